"""Cloud and infrastructure CLIs: terraform, kubectl, helm, docker, the cloud providers'
CLIs, hosting platforms, GitHub's CLI, volume managers and a few system tools.

Each handler is ``handler(analyzer, cmd, scope)``; rule ids and severities live in
``interlock.rules_infra``.  Read-only and preview commands (plan, get, list, ``--dry-run``)
produce nothing.  Handlers report the environment a target is in (None when unresolved); the
engine weighs it (``interlock.weighing``: a deletion in prod becomes ``infra.delete-prod``).
"""

from __future__ import annotations

import re

from .. import paths as P
from ..paths import UNKNOWN_MARK as U
from . import capacity
from .programs import registrar as _registrar
from .programs import _DELETE_RULES, _first_cmd, check_sent, split_opts

HANDLERS = {}

PROD = frozenset({"prod", "production"})
#: kubectl verbs that change what a cluster runs (deletes, drains, scaling to zero and restarts have their own rules)
_KUBE_CHANGES = frozenset({"apply", "create", "replace", "patch", "set", "run", "expose", "cordon", "taint",
                           "rollout"})  # (scaling to a count that is not zero, or huge, is capacity: its own rules)
_re_cache = {}


def _re(name, pattern):
    """Regexes compile on first use (this module is on the hook's path)."""
    r = _re_cache.get(name)
    if r is None:
        import re

        r = _re_cache[name] = re.compile(pattern)
    return r


handles = _registrar(HANDLERS)


# --- data: knowledge/cloud_data.toml -----------------------------------------------------------

_cloud = None


def _cloud_data():
    """What deletes data in the AWS, gcloud and az CLIs (knowledge/cloud_data.toml), read on first use."""
    global _cloud
    if _cloud is None:
        from ...knowledge import load

        raw = load("cloud_data.toml")
        _cloud = {"aws": {k: (v if isinstance(v, str) else frozenset(v)) for k, v in raw["aws"].items()},
                  "gcloud": frozenset(tuple(x.split()) for x in raw["gcloud"]["data"]),
                  "az": frozenset(tuple(x.split()) for x in raw["az"]["data"]),
                  "data_flags": frozenset(raw.get("data_flags", {}).get("flags", ())),
                  "aws_with_option": raw.get("aws_with_option", {}),
                  "examples": [(e["cmd"], e["rule"]) for e in raw.get("examples", [])]}
    return _cloud


# --- shared helpers ----------------------------------------------------------------------------

def _env(a, kind, value):
    """The environment a named target belongs to: the policy's answer, else prod-looking names."""
    if not value or U in value:
        return None
    e = a.environment_of(kind, value)  # the policy's answer, which already knows names that say prod
    if e is None and kind == "kube_context" and _re(
            "localkube", r"^(kind-|k3d-|minikube$|docker-desktop$|rancher-desktop$|orbstack$|colima)").search(value):
        e = "local"  # a cluster on this machine
    return e


def _first_env(a, pairs):
    found = None
    for kind, value in pairs:
        e = _env(a, kind, value)
        if e in PROD:
            return e
        found = found or e
    return found


def _emit(a, cmd, rule, target=None, effect="delete", note=None, env=None):
    """Report ``rule`` with the environment resolved (None when unknown): the engine weighs it
    (``interlock.weighing``: in prod a deletion becomes ``infra.delete-prod``; unresolved is prod)."""
    a.emit(rule, cmd, target=target, effect=effect, note=note, environment=env)


def _var(a, cmd, scope, name):
    v = cmd.assigns.get(name)
    if v is None:
        v = scope.vars.get(name)
    if v is None:
        v = a.env.get(name)
    return v


def _opt(values, *names):
    for n in names:
        if n in values:
            return values[n]
    return None


def _has(flags, values, *names):
    """A boolean option given as a flag or as ``--name=true``."""
    for n in names:
        if n in flags or values.get(n, "false").lower() in ("true", "1", "yes"):
            return True
    return False


def _ops(args):
    return [x for x in args if not x.startswith("-")]


def _show(x):
    if U in x:
        from . import flows

        x = flows.show(x)
    return x.replace(U, "$?")


# --- terraform, OpenTofu, Terragrunt --------------------------------------------------------------

_TF_COMMANDS = frozenset({
    "init", "validate", "plan", "apply", "destroy", "console", "fmt", "force-unlock", "get", "graph", "import",
    "login", "logout", "metadata", "modules", "output", "providers", "refresh", "show", "state", "taint", "test",
    "untaint", "version", "workspace", "hclfmt", "render", "info", "find", "list", "exec", "catalog", "scaffold",
    "stack", "backend", "dag", "destroy-all", "apply-all", "plan-all", "output-all", "validate-all",
    "graph-dependencies", "render-json", "validate-inputs", "terragrunt-info", "aws-provider-patch", "help",
})


_TF_VALUE_FLAGS = frozenset({"var", "var-file", "target", "replace", "chdir", "state", "state-out", "backup",
                              "lock-timeout", "parallelism"})


def _tf_plan_file(rest):
    """`terraform apply PLANFILE`: apply's one operand is a saved plan (a `-var x=y` value is not)."""
    skip = False
    for x in rest:
        if skip:
            skip = False
            continue
        if x.startswith("-"):
            skip = "=" not in x and x.lstrip("-") in _TF_VALUE_FLAGS
            continue
        if "=" not in x:
            return x
    return None


def _tf_flags(args):
    """Terraform's flags take one or two dashes and ``-name=value``: normalised to name → value."""
    out = {}
    for i, x in enumerate(args):
        if x.startswith("-") and len(x) > 1:
            name, eq, val = x.lstrip("-").partition("=")
            out.setdefault(name, val if eq else True)
            if name in ("replace", "target", "chdir", "var-file") and not eq and i + 1 < len(args) \
                    and not args[i + 1].startswith("-"):
                out[name] = args[i + 1]
    return out


_TF_SELECTED = "\x00tf-workspace:"  # scope key: the workspace a `workspace select` chose for a directory
#: -var names that say which environment a configuration is applied to
_TF_ENV_VARS = frozenset({"env", "environment", "stage", "workspace", "tier", "deployment_environment",
                          "environment_name", "env_name", "app_env"})


def _tf_dir(a, cmd, scope, fl):
    """The directory terraform works in: -chdir (terragrunt: --terragrunt-working-dir/--working-dir)."""
    import posixpath

    d = fl.get("chdir") or fl.get("terragrunt-working-dir") or fl.get("working-dir")
    if not isinstance(d, str) or U in d or U in scope.cwd:
        return scope.cwd
    return posixpath.normpath(posixpath.join(scope.cwd, d))


def _tf_environment(a, cmd, scope, fl, rest):
    """Which environment a terraform command acts on, from where terraform itself takes it: the
    workspace (TF_WORKSPACE, a `workspace select` earlier on the line, the data directory's
    ``environment`` file), the directory (-chdir=envs/staging, a cd below the workspace), -var-file
    names (prod.tfvars) and -var env=... .  (environment or None, a note saying where it came from)."""
    import os
    import posixpath

    d = _tf_dir(a, cmd, scope, fl)
    pairs = []
    ws = _var(a, cmd, scope, "TF_WORKSPACE")  # terraform uses it whatever was selected (or fails)
    if ws and ws != "default" and U not in ws:
        pairs.append((f"workspace {_show(ws)} (TF_WORKSPACE)", ws))
    elif not ws:
        # a `workspace select` earlier on the line, and the one selected on disk: a select that fails (a
        # workspace that does not exist) leaves the one on disk, so both count and production wins
        sel = scope.vars.get(_TF_SELECTED + d)
        if sel and sel != "default":
            pairs.append((f"workspace {_show(sel)} (workspace select)", sel))
        if not a.remote and U not in d:
            data = _var(a, cmd, scope, "TF_DATA_DIR") or ".terraform"
            path = posixpath.join(d, data, "environment") if U not in data else None
            text = a.read_file(path) if path and os.path.isfile(path) else None
            disk = (text or "").strip()[:200]
            if disk and disk != "default":
                pairs.append((f"workspace {_show(disk)} (selected workspace)", disk))
    chdir = fl.get("chdir") or fl.get("terragrunt-working-dir") or fl.get("working-dir")
    rel = []
    if isinstance(chdir, str) and U not in chdir:
        rel.append(("-chdir " + chdir, chdir))
    wsroot = a.pctx.workspace
    if wsroot and U not in scope.cwd and scope.cwd.startswith(wsroot + "/"):
        rel.append(("directory " + scope.cwd[len(wsroot) + 1:], scope.cwd[len(wsroot) + 1:]))
    for label, path in rel:
        # (`live/dev/vpc`: terragrunt's usual root of live infrastructure, not an environment's name)
        for part in reversed([x for x in path.split("/") if x not in ("", ".", "..") and x.lower() != "live"][-3:]):
            pairs.append((label, part))
    for i, x in enumerate(rest):
        name, eq, val = x.lstrip("-").partition("=")
        if not x.startswith("-"):
            continue
        if name in ("var-file", "var") and not eq and i + 1 < len(rest):
            val = rest[i + 1]
        if name == "var-file" and U not in val:
            base = posixpath.basename(val).split(".")[0]
            pairs.append(("-var-file " + val, base))
            for part in val.split("/")[:-1][-2:]:
                pairs.append(("-var-file " + val, part))
        elif name == "var" and "=" in val and U not in val:
            k, _, v = val.partition("=")
            if k.strip().lower() in _TF_ENV_VARS and v:
                pairs.append((f"-var {k}={v}", v.strip("\"'")))
    found = note = None
    for label, value in pairs:
        e = _env(a, "cloud_project", value)
        if e is None:
            continue
        from ...policy import is_production

        if e in PROD or is_production(e):
            return e, f"environment {e}: {label}"
        if found is None:
            found, note = e, f"environment {e}: {label}"
    return found, note


@handles("terraform", "tofu", "terragrunt")
def terraform(a, cmd, scope):
    args = cmd.args
    k = next((i for i, x in enumerate(args) if x in _TF_COMMANDS), None)
    if k is None:
        return
    sub, rest = args[k], args[k + 1:]
    if cmd.name == "terragrunt" and sub in ("run", "exec", "stack"):
        j = next((i for i, x in enumerate(rest) if x in _TF_COMMANDS and x not in ("run",)), None)
        if j is None:
            return
        sub, rest = rest[j], rest[j + 1:]
    if sub.endswith("-all"):
        sub = sub[:-4]
    fl = _tf_flags(rest)
    if fl.get("help") or fl.get("h"):
        return
    ops = _ops(rest)
    tool = cmd.name
    if sub == "workspace" and len(ops) > 1 and ops[0] in ("select", "new") and U not in ops[1]:
        # `terraform workspace select staging && terraform destroy`: the later command runs there
        scope.vars[_TF_SELECTED + _tf_dir(a, cmd, scope, _tf_flags(args[:k]))] = ops[1]
        return
    target = fl.get("target") if isinstance(fl.get("target"), str) else None
    resolved = []

    def emit(rule, c, target=None, effect="", note=None):
        """Every finding of this command carries the environment it acts on (resolved on the first one)."""
        if not resolved:
            resolved.append(_tf_environment(a, cmd, scope, {**_tf_flags(args[:k]), **fl}, rest))
        env, where = resolved[0]
        named = _env(a, "cloud_project", ops[1]) if sub == "workspace" and len(ops) > 1 else None
        if named and (named in PROD or env is None):  # `workspace delete prod`: the workspace deleted
            env, where = named, f"environment {named}: workspace {_show(ops[1])}"
        a.emit(rule, c, target=target, effect=effect, note=(where + (f"; {note}" if note else "")) if where else note,
               environment=env)
    if sub == "destroy" or (sub == "apply" and fl.get("destroy") not in (None, "false")):
        emit("infra.terraform-destroy", cmd, target=target or "every resource in the state", effect="destroy",
               note="only -target " + target if target else None)
    elif sub == "apply" and tool == "terragrunt" and ({"--terragrunt-non-interactive", "--non-interactive"} &
                                                      set(cmd.args) or fl.get("auto-approve") not in (None, "false")):
        emit("infra.terraform-apply-unreviewed", cmd, target="every module" if "run-all" in cmd.args or
               "--all" in cmd.args else "the current configuration", effect="apply",
               note="non-interactive: terragrunt answers yes to every prompt, the plans are never shown")
    elif sub == "apply" and fl.get("auto-approve") not in (None, "false") and not any(
            not x.startswith("-") and not (i and rest[i - 1] in ("-var", "-var-file", "--var", "--var-file"))
            for i, x in enumerate(rest)):
        # (a `-var k=v` / `-var-file f` value is no plan file: the configuration is applied unreviewed)
        emit("infra.terraform-apply-unreviewed", cmd, target="the current configuration", effect="apply",
               note="-auto-approve skips the plan review")
    elif sub == "apply" and tool != "terragrunt" and _tf_plan_file(rest):
        emit("infra.terraform-apply-unreviewed", cmd, target=f"the saved plan {_show(_tf_plan_file(rest))}",
             effect="apply", note="a saved plan applies without a prompt: what it changes is not shown for approval")
    elif sub == "apply" and fl.get("replace"):
        repl = fl["replace"]
        emit("infra.terraform-replace", cmd, target=repl if isinstance(repl, str) else None, effect="replace")
    elif sub == "state" and ops:
        if ops[0] == "rm":
            emit("infra.terraform-state-edit", cmd, target=" ".join(ops[1:]) or None, effect="forget",
                   note=f"{tool} stops tracking these resources")
        elif ops[0] == "push":
            emit("infra.terraform-state-edit", cmd, target=" ".join(ops[1:]) or None, effect="overwrite",
                   note="replaces the remote state")
    elif sub == "workspace" and ops and ops[0] in ("delete", "rm"):
        emit("infra.terraform-workspace-delete", cmd, target=" ".join(ops[1:]) or None, effect="delete")
    elif sub == "force-unlock":
        emit("infra.terraform-force-unlock", cmd, target=" ".join(ops) or None, effect="unlock")


# --- kubectl, oc, helm ---------------------------------------------------------------------------

_KUBE_SHORT = "nflcoskL"
_KUBE_LONG = ("--namespace", "--context", "--cluster", "--user", "--kubeconfig", "--filename", "--selector",
              "--output", "--kustomize", "--field-selector", "--grace-period", "--timeout", "--server", "--token",
              "--as", "--as-group", "--request-timeout", "--replicas", "--to-revision", "--type", "--container",
              "--cache-dir", "--certificate-authority", "--client-certificate", "--client-key", "--tls-server-name",
              "--current-replicas", "--resource-version", "--pod-selector", "--chunk-size", "--template",
              "--kube-context", "--revision", "--description", "--field-manager", "--prune-allowlist",
              "--show-managed-fields", "--sort-by", "--label-columns", "--profile", "--v", "--vmodule")

_KUBE_DATA = frozenset({
    "namespace", "namespaces", "ns", "project", "projects", "persistentvolume", "persistentvolumes", "pv",
    "persistentvolumeclaim", "persistentvolumeclaims", "pvc", "customresourcedefinition",
    "customresourcedefinitions", "crd", "crds", "node", "nodes", "no", "statefulset", "statefulsets", "sts",
    "volumesnapshot", "volumesnapshots", "volumesnapshotcontent", "volumesnapshotcontents", "vs",
})


def _kube_current_context(a):
    """current-context of the kubeconfig kubectl would use (read by Interlock, never shown)."""
    import os

    paths = (a.env.get("KUBECONFIG") or "").split(":") if a.env.get("KUBECONFIG") else [
        os.path.join(a.pctx.home, ".kube", "config")]
    for path in paths:
        text = a.read_file(path) if path else None
        if text:
            m = _re("kubectx", r"(?m)^current-context:\s*[\"']?([^\"'\n#]+?)[\"']?\s*$").search(text)
            if m:
                return m.group(1)
    return None


#: Options that name the cluster, the credentials or the kubeconfig beside (or instead of) the context's name.
_KUBE_REDIRECT = ("-s", "--server", "--kubeconfig", "--cluster", "--user", "--token", "--kube-apiserver",
                  "--kube-token", "--kubeconfig-path")


def _kube_redirected(a, cmd, scope, v):
    """The context's name does not say which cluster is reached: an option names another server, cluster, user or
    kubeconfig, KUBECONFIG is set by the command line itself, or it renamed or redefined a context or cluster of
    that name before (`kubectl config rename-context prod kind-dev && …`)."""
    if any(o in v for o in _KUBE_REDIRECT):
        return True
    if cmd is not None and _var(a, cmd, scope, "KUBECONFIG") != a.env.get("KUBECONFIG"):
        return True
    ctx = _opt(v, "--context", "--kube-context")
    return bool(ctx and ctx in a.kube_redefined)


def _kube_where(a, v, all_ns, cmd=None, scope=None):
    ns = _opt(v, "-n", "--namespace")
    ctx = _opt(v, "--context", "--kube-context")
    if ctx is None and not a.remote:
        ctx_of = _kube_current_context(a)
    else:
        ctx_of = ctx
    # a cluster on this machine (kind, minikube) is local whatever its namespaces are named — when its name is all
    # that says where the command goes
    local = _env(a, "kube_context", ctx_of) == "local" and not _kube_redirected(a, cmd, scope, v)
    env = "local" if local else _first_env(a, [("namespace", ns), ("kube_context", ctx_of)])
    if env == "local" and not local:
        env = None  # a local-looking name over another server or kubeconfig: not resolved
    where = " in all namespaces" if all_ns else (f" -n {_show(ns)}" if ns else "")
    if ctx:
        where += f" --context {_show(ctx)}"
    return env, where


def _dry_run(flags, values):
    dr = values.get("--dry-run")
    return "--dry-run" in flags or (dr is not None and dr not in ("none", "false"))


@handles("kubectl", "oc", "kubecolor")
def kubectl(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg=_KUBE_SHORT, long_with_arg=_KUBE_LONG)
    if not ops or "-h" in f or "--help" in f:
        return
    verb = ops[0]
    if cmd.name == "oc" and verb == "adm" and len(ops) > 1:
        ops = ops[1:]
        verb = ops[0]
    if _dry_run(f, v):
        return
    if verb == "cp":  # kubectl cp ns/pod:/app/.env ./x (either way)
        for x in ops[1:3]:
            check_sent(a, cmd, x, scope)
        return
    all_ns = _has(f, v, "-A", "--all-namespaces")
    if verb == "config" and len(ops) > 2 and ops[1] in ("rename-context", "set-context", "set-cluster",
                                                           "set-credentials", "set"):
        # names this command line points elsewhere: a later `--context NAME` says nothing of where it goes
        for x in ops[2:4]:
            a.kube_redefined.update(p for p in x.split(".") if p not in ("clusters", "contexts", "users"))
    env, where = _kube_where(a, v, all_ns, cmd, scope)
    if verb == "exec" and "--" in cmd.args:
        # reached when options come first (kubectl --context prod -n x exec pod -- cmd)
        k = cmd.args.index("--")
        pod = ops[1] if len(ops) > 1 else "pod"
        ctx = _opt(v, "--context")
        a.remote_dispatch(cmd, scope, cmd.args[k + 1:], f"pod:{_show(pod)}" + (f"@{_show(ctx)}" if ctx else ""))
    elif verb == "delete":
        _kube_delete(a, cmd, f, v, ops[1:], all_ns, env, where)
    elif verb == "drain" or (verb == "scale" and capacity.is_zero(_opt(v, "--replicas"))) or (
            verb == "patch" and capacity.is_zero(_long_values(cmd.args, short=("-p",)).get("--patch") or "")) or (
            verb == "autoscale" and capacity.is_zero(_long_values(cmd.args).get("--max"))) or (
            verb == "patch" and _re("suspend-true", r"""["']?suspend["']?\s*:\s*["']?true\b""").search(
                _long_values(cmd.args, short=("-p",)).get("--patch") or "")) or \
            (verb == "rollout" and len(ops) > 1 and ops[1] == "undo"):
        what = " ".join(_show(x) for x in ops[1:]) or None
        # in prod: weighing; scaled to nothing in a context not resolved is an outage wherever it points, as
        # `aws ecs update-service --desired-count 0` is (a rollback keeps serving)
        rule = "infra.kube-disrupt-prod" if verb == "drain" or (verb in ("scale", "patch", "autoscale") and env is None) \
            else "infra.kube-disrupt"
        a.emit(rule, cmd, target=(what or "") + where or None,
               effect="scale-to-zero" if verb in ("scale", "patch", "autoscale") else verb, environment=env)
    elif verb == "scale" and capacity.large_count(_opt(v, "--replicas")) is not None or (
            verb == "patch" and capacity.large_count(_long_values(cmd.args, short=("-p",)).get("--patch") or "")
            is not None) or (verb == "autoscale" and capacity.large_count(_long_values(cmd.args).get("--max"))):
        what = " ".join(_show(x) for x in ops[1:]) or None
        n = capacity.large_count(_opt(v, "--replicas") or _long_values(cmd.args, short=("-p",)).get("--patch") or
                                 _long_values(cmd.args).get("--max") or "")
        _emit(a, cmd, "infra.cost-spike", target=(what or "") + where or None, effect="scale", env=env,
              note=capacity.cost_note(f"{n} replicas"))
    elif verb == "rollout" and len(ops) > 1 and ops[1] == "restart":
        # every pod of it replaced: an outage in production while they come back (weighed: infra.restart-prod)
        a.emit("infra.restart", cmd, target=" ".join(_show(x) for x in ops[2:]) + where or None, effect="restart",
               environment=env)
    elif verb == "annotate" and _re("kube-restarted-at", r"(^|/)restartedAt=").search(" ".join(cmd.args)):
        # the annotation `kubectl rollout restart` sets, set by hand: every pod of it replaced
        a.emit("infra.restart", cmd, target=" ".join(_show(x) for x in ops[1:2]) + where or None, effect="restart",
               environment=env)
    elif verb in ("patch", "edit", "replace", "set", "label", "annotate") and len(ops) > 1 and \
            _re("kube-config-kind", r"^(secrets?|configmaps?|cm)(/|$)").match(ops[1].lower()):
        # a Secret's or ConfigMap's values written over: the pods that read them get the new ones
        _emit(a, cmd, "infra.config-change", target=" ".join(_show(x) for x in ops[1:3]) + where, effect=verb,
              env=env)
    elif verb == "create" and len(ops) > 1 and ops[1] in ("rolebinding", "clusterrolebinding") and _re(
            "kube-everyone", r"(^|[=,\s])system:(authenticated|unauthenticated|anonymous|serviceaccounts)\b").search(
                " ".join(cmd.args)):
        # a role granted to every user, every service account or anyone at all
        _emit(a, cmd, "infra.access-change", target=" ".join(_show(x) for x in ops[1:3]) + where, effect="grant",
              env=env, note="granted to a group that holds every user or service account (or anyone)")
    elif verb == "config" and len(ops) > 1 and ops[1] in ("delete-context", "delete-cluster", "delete-user"):
        a.emit("infra.kube-delete", cmd, target=" ".join(_show(x) for x in ops[1:]), effect="delete")
    elif verb == "replace" and _has(f, v, "--force"):
        files = _opt(v, "-f", "--filename")
        _emit(a, cmd, "infra.kube-replace-force", target=(_show(files) if files else "resources") + where,
              effect="recreate", env=env)
    elif verb == "apply" and ("--prune" in f or "--prune" in v):
        files = _opt(v, "-f", "--filename", "-k", "--kustomize")
        _emit(a, cmd, "infra.kube-apply-prune", target=(_show(files) if files else "resources") + where,
              effect="prune", env=env)
    elif verb in _KUBE_CHANGES and env in PROD and (verb != "rollout" or ops[1:2] in (["pause"], ["resume"])):
        # `kubectl apply -k overlays/prod --context prod`, `kubectl set image deploy/api … -n production`: what
        # production runs changes now, reviewed by no one (elsewhere, or where nothing names production, ordinary)
        files = _opt(v, "-f", "--filename", "-k", "--kustomize")
        what = " ".join(_show(x) for x in ops[:3]) + (f" -f {_show(files)}" if files else "")
        a.emit("infra.deploy", cmd, target=what + where, effect="deploy", environment=env)


def _kube_delete(a, cmd, f, v, ops, all_ns, env, where):
    from . import flows

    types = []
    names = []
    listed = []  # kinds whose every member the command line listed and feeds here (flows.py)
    for x in ops:
        coll = flows.every(x)
        if coll and coll.startswith("kube:"):
            listed.append(coll[5:])
    files = _opt(v, "-f", "--filename")
    coll = flows.stdin_collection(cmd.stdin) if files == "-" else a.file_collection(files) if files else None
    if coll and coll.startswith("kube:"):
        listed.append(coll[5:])  # kubectl get ns -o name | kubectl delete -f -  (or -f ns.txt written by the line)
    if listed:
        # judged as the explicit all-form: `kubectl delete <kind> --all`
        own = [x for x in ops[:1] if not flows.every(x) and "/" not in x]  # `kubectl delete ns $ns`: its kind
        ops = [",".join(dict.fromkeys(own + listed))]
        f = set(f) | {"--all"}
        v = {k: val for k, val in v.items() if k not in ("-f", "--filename")}
    for i, x in enumerate(ops):
        if "/" in x:
            types.append(x.split("/", 1)[0])
            names.append(x)
        elif i == 0:
            types += x.split(",")
        else:
            names.append(x)
    types = [t.split(".", 1)[0].lower() for t in types]
    files = _opt(v, "-f", "--filename", "-k", "--kustomize")
    everything = _has(f, v, "--all")
    if not types and not files:
        return
    what = " ".join(_show(x) for x in ops) or (f"-f {_show(files)}" if files else "")
    if everything:
        what += " --all"
    selector = _opt(v, "-l", "--selector")
    if selector:
        what += f" -l {_show(selector)}"
    target = what + where
    if listed:
        target = "every " + ", ".join(dict.fromkeys(listed)) + " (listed by the same command line)" + where
    data = [t for t in types if t in _KUBE_DATA]
    if data:
        if data[0] in ("namespace", "namespaces", "ns", "project", "projects") and names and env not in PROD \
                and env != "local":  # (a namespace of a cluster on this machine is local whatever its name)
            env = _first_env(a, [("namespace", n) for n in names]) or env
        a.emit("infra.kube-delete-data", cmd, target=target, effect="delete", environment=env)
    elif (everything or "all" in types) and (all_ns or env in PROD):
        a.emit("infra.kube-delete-all", cmd, target=target, effect="delete", environment=env)
    elif set(types) <= {"pod", "pods", "po"} and names and not everything and not selector and env not in PROD:
        # a named pod outside production: its controller recreates it (a restart, not a loss)
        a.emit("infra.kube-disrupt", cmd, target=target, effect="restart", environment=env)
    else:
        _emit(a, cmd, "infra.kube-delete", target=target, env=env)


@handles("helm")
def helm(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="no", long_with_arg=_KUBE_LONG + ("--kube-apiserver", "--wait-for"))
    if not ops or "-h" in f or "--help" in f or _dry_run(f, v):
        return
    env, where = _kube_where(a, v, False, cmd, scope)
    if ops[0] in ("uninstall", "delete", "del", "un"):
        _emit(a, cmd, "infra.helm-uninstall", target=" ".join(_show(x) for x in ops[1:]) + where,
              effect="uninstall", env=env)
    elif ops[0] == "push" and len(ops) > 2:  # a chart pushed to an OCI registry or a chart repository
        _emit(a, cmd, "publish.release", target="chart " + " ".join(_show(x) for x in ops[1:3]), effect="publish",
              env=None)
    elif ops[0] == "rollback":
        a.emit("infra.kube-disrupt", cmd, target=" ".join(_show(x) for x in ops[1:]) + where, effect="rollback",
               environment=env)
    elif ops[0] in ("upgrade", "install") and any(capacity.is_zero(x) for x in _helm_sets(cmd.args)):
        # `--set replicaCount=0`: the release's workloads scaled to nothing
        _emit(a, cmd, "infra.outage", target=" ".join(_show(x) for x in ops[1:2]) + where, effect="scale",
              env=env, note="a value sets a capacity to zero (" + next(x for x in _helm_sets(cmd.args)
                                                                       if capacity.is_zero(x)) + ")")
    elif ops[0] in ("upgrade", "install") and env in PROD:
        # a release changed in production with no diff shown to anyone (helm has no plan step of its own)
        a.emit("infra.terraform-apply-unreviewed", cmd, target=" ".join(_show(x) for x in ops[1:2]) + where,
               effect="deploy", environment=env, note=f"helm {ops[0]} in production: the change is not shown first")


def _helm_sets(args):
    """Each ``key=value`` a ``--set``/``--set-string`` gives (comma-separated pairs apart)."""
    out = []
    for i, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name in ("--set", "--set-string"):
            val = val if eq else (args[i + 1] if i + 1 < len(args) else "")
            out += [p for p in val.split(",") if p]
    return out


def ansible_env(a, v, pattern=None):
    """"prod" when the inventory, the limit, the extra vars or an ad-hoc run's host pattern name production
    (`-i inventories/production`, `--limit prod`, `prod-web-*`, `tag_Environment_prod`), else None."""
    import re

    places = [x for x in (v.get("-i"), v.get("--inventory"), v.get("-l"), v.get("--limit"), v.get("-e"),
                          v.get("--extra-vars"), pattern) if x]
    for x in places:
        for word in re.split(r"[^A-Za-z0-9]+", x.lower()):
            if word in PROD or _env(a, "cloud_project", word) in PROD:
                return "prod"
    return None


@handles("ansible-playbook")
def ansible_playbook(a, cmd, scope):
    """`ansible-playbook -i inventories/production site.yml`: the playbook runs on production hosts with
    nothing shown first (`--check`, `--syntax-check`, `--list-*` only look)."""
    f, v, ops = split_opts(cmd.args, with_arg="ieulfMtcT", long_with_arg=(
        "--inventory", "--extra-vars", "--limit", "--user", "--forks", "--module-path", "--tags", "--skip-tags",
        "--private-key", "--become-user", "--connection", "--timeout", "--vault-id", "--vault-password-file"))
    if any(x in ("-C", "--check", "--syntax-check", "--list-hosts", "--list-tasks", "--list-tags", "-h", "--help")
           for x in cmd.args):
        return
    env = ansible_env(a, v)
    if env and ops:
        a.emit("infra.terraform-apply-unreviewed", cmd, target=", ".join(_show(x) for x in ops[:3]), effect="deploy",
               environment=env, note="a playbook run on production hosts without --check first")


# --- docker, podman, nerdctl, compose -----------------------------------------------------------------

_DOCKER_GLOBAL_SHORT = "Hclna"
_DOCKER_GLOBAL_LONG = ("--host", "--context", "--config", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
                       "--connection", "--url", "--root", "--runroot", "--storage-driver", "--cgroup-manager",
                       "--namespace", "--address", "--identity", "--module", "--network-cmd-path", "--tmpdir",
                       "--events-backend", "--runtime", "--storage-opt", "--volumepath", "--imagestore",
                       "--data-root", "--cni-path", "--snapshotter", "--hosts-dir")


_SWARM = frozenset({"service", "stack", "secret", "config", "node", "swarm"})


@handles("docker", "podman", "nerdctl", "docker-compose", "podman-compose")
def docker(a, cmd, scope):
    if cmd.name.endswith("-compose"):
        _compose(a, cmd, scope, cmd.args, _docker_env(a, cmd, scope, ()))
        return
    opts, rest = _first_cmd(cmd.args, with_arg=_DOCKER_GLOBAL_SHORT, long_with_arg=_DOCKER_GLOBAL_LONG)
    if not rest:
        return
    sub, args = rest[0], rest[1:]
    if sub == "context" and args[:1] == ["use"] and len(args) > 1:
        scope.vars[_DOCKER_USED] = args[1]  # `docker context use prod && docker rm -f …`: later commands go there
        return
    env = _docker_env(a, cmd, scope, opts)
    if sub in ("container", "image", "volume", "system", "builder", "buildx", "network") and args:
        group, sub, args = sub, args[0], args[1:]
    else:
        group = None
    f, v, ops = split_opts(args, long_with_arg=("--filter", "--driver", "--label", "--opt"))
    if "--help" in f:
        return
    if (sub in ("build", "b", "bake") and group in (None, "buildx", "image", "builder") or
            group is None and sub == "manifest" and ops[:1] == ["push"]) and _pushes_image(args, sub):
        # `buildx build --push`, `-o type=registry`, `bake --push`, `manifest push`: the tags built are written to
        # their registry, as `docker push` writes them
        tags = [_show(x) for i, x in enumerate(args) if i and args[i - 1] in ("-t", "--tag")] + \
            [_show(x.split("=", 1)[1]) for x in args if x.startswith("--tag=")]
        _emit(a, cmd, "publish.release", target="image " + (" ".join(tags) or " ".join(_show(x) for x in ops[-1:])),
              effect="publish", env=None)
        return
    if sub == "restart" and group in (None, "container") and ops:
        # weighed by the engine it runs on: silent on this machine, an outage on a production context or host
        _emit(a, cmd, "infra.restart", target="container " + " ".join(_show(x) for x in ops), effect="restart",
              env=env)
        return
    if sub == "cp" and group in (None, "container"):  # docker cp web:/app/.env . (either way)
        for x in ops[:2]:
            check_sent(a, cmd, x, scope)
        return
    if group == "volume":
        if sub in ("rm", "remove", "delete"):
            from . import flows

            every = "-a" in f or "--all" in f or any(flows.every(x) for x in ops)
            _emit(a, cmd, "infra.docker-volume-rm-all" if every else "infra.docker-volume-rm",
                  target=" ".join(_show(x) for x in ops) or ("every volume" if every else None), env=env)
        elif sub == "prune":
            if "-a" in f or "--all" in f:
                _emit(a, cmd, "infra.docker-prune-volumes", target="every unused volume, named ones included",
                      env=env)
            else:
                _emit(a, cmd, "infra.docker-volume-prune", target="unused anonymous volumes", env=env)
        return
    if group == "system":
        if sub == "prune":
            if "--volumes" in f:
                _emit(a, cmd, "infra.docker-prune-volumes", target="every unused volume", env=env)
            else:
                _emit(a, cmd, "infra.docker-cleanup", target="stopped containers, unused images and networks",
                      effect="prune", env=env)
        elif sub == "reset":
            _emit(a, cmd, "infra.docker-prune-volumes", target="every container, image and volume", effect="reset",
                  env=env)
        return
    if sub == "prune" and group == "image" and any(x in ("-a", "--all", "-af", "-fa") for x in cmd.args):
        _emit(a, cmd, "infra.docker-image-prune-all", target="every image no container uses", effect="prune",
              env=env)
        return
    if sub == "prune" and group in ("container", "image", "builder", "buildx", "network"):
        _emit(a, cmd, "infra.docker-cleanup", target=f"unused {group}s", effect="prune", env=env)
        return
    from . import flows

    listed = next((c for c in (flows.every(x) for x in ops) if c), None)  # fed every member of a collection
    if sub == "rmi" or (group == "image" and sub in ("rm", "remove")):
        if listed == "docker:image":  # docker rmi $(docker images -q): `docker image prune -a`, and more
            _emit(a, cmd, "infra.docker-image-prune-all", target="every image", effect="delete", env=env,
                  note="the images listed by the same command line")
            return
        _emit(a, cmd, "infra.docker-cleanup", target=" ".join(_show(x) for x in ops) or None, env=env)
        return
    if sub == "stop" and group in (None, "container") and listed == "docker:container" and env == "local":
        # the engine on this machine: containers stopped cleanly keep everything, `docker start` brings them back
        # (docs/cloud.md, "Stopping every container"); `kill` (no clean shutdown) and other engines stay asked
        _emit(a, cmd, "infra.docker-stop-local", target="every container on this machine", effect="stop", env=env,
              note="the containers listed by the same command line")
        return
    if sub in ("kill", "stop") and group in (None, "container") and listed == "docker:container":
        # docker kill $(docker ps -q): every service on the engine stops (an outage, no data lost)
        _emit(a, cmd, "infra.outage", target="every container", effect=sub, env=env,
              note="the containers listed by the same command line")
        return

    if sub in ("rm", "remove") and group in (None, "container"):
        _docker_rm(a, cmd, args, env)
        return
    if sub == "push" and group in (None, "image") and ops and not cmd.name.endswith("-compose") and \
            not _LOCAL_REGISTRY.match(ops[0]):
        # an image pushed to a registry: whoever pulls that tag (a deploy, other people) gets it — not a registry
        # on this machine (`docker push localhost:5000/api:dev`: a kind/minikube or test registry of the user's)
        _emit(a, cmd, "publish.release", target="image " + _show(ops[0]), effect="publish", env=None)
        return
    if group is None and sub == "compose":
        _compose(a, cmd, scope, args, env)
        return
    if group is None and sub == "service" and ops and ops[0] == "scale" and any(
            "=" in x and capacity.is_zero(x) for x in ops[1:]) or group is None and sub == "service" and ops and \
            ops[0] == "update" and capacity.is_zero(_long_values(args).get("--replicas")):
        # `docker service scale api=0`, `docker service update --replicas 0 api`: the swarm service stops serving
        _emit(a, cmd, "infra.outage", target="swarm service " + " ".join(_show(x) for x in ops[1:]), effect="scale",
              env=env, note="scaled to zero: it stops serving until scaled up again")
        return
    if group is None and sub == "node" and ops and ops[0] == "update" and \
            (_long_values(args).get("--availability") or "").lower() in ("drain", "pause"):
        # a swarm node drained (its tasks moved off) or paused (no new ones): capacity taken out of the cluster
        _emit(a, cmd, "infra.outage", target="swarm node " + " ".join(_show(x) for x in ops[1:]),
              effect="drain", env=env)
        return
    if group is None and sub in _SWARM and ops and ops[0] in ("rm", "remove", "down", "leave"):
        # a swarm's services, stacks, secrets, configs and nodes: shared by every node of the cluster
        rule = "infra.outage" if sub in ("service", "stack", "swarm") else "infra.cli-delete"
        if sub == "swarm" and not ("--force" in f or "-f" in f):
            return  # a worker leaving; a manager refuses without --force
        _emit(a, cmd, rule, target=f"swarm {sub} " + " ".join(_show(x) for x in ops[1:]), effect=ops[0], env=env)
        return
    if group in (None, "container") and sub == "exec":
        # reached when global options come first (docker --context prod exec ...)
        _, rest = _first_cmd(args, with_arg="euwd", long_with_arg=("--env", "--user", "--workdir", "--env-file",
                                                                   "--detach-keys"))
        if len(rest) >= 2:
            a.remote_dispatch(cmd, scope, rest[1:], f"container:{_show(rest[0])}")
        return
    if group in (None, "container") and sub == "run":
        _docker_run(a, cmd, scope, args)


#: An image reference whose registry is this machine: localhost, 127.x, [::1], *.localhost, with or without a port
_LOCAL_REGISTRY = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\]|[a-z0-9.-]+\.localhost)(:\d+)?/")


def _pushes_image(args, sub):
    """A build that pushes what it builds: `--push`, an output of type registry or with push=true, `--set
    *.push=true` (bake); a manifest push always does."""
    if sub == "manifest":
        return True
    for i, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name == "--push" and (not eq or val.lower() in ("true", "1")):
            return True
        if name in ("-o", "--output", "--set"):
            val = val if eq else (args[i + 1] if i + 1 < len(args) else "")
            low = val.lower().replace(" ", "")
            if "type=registry" in low or "push=true" in low:
                return True
    return False


def _docker_rm(a, cmd, args, env):
    from . import flows

    f, v, ops = split_opts(args, with_arg="t", long_with_arg=("--time", "--depend"))
    force = "-f" in f or "--force" in f
    every = "-a" in f or "--all" in f
    # `docker rm -f $(docker ps -aq --filter name=jenkins)`: the containers of that name, as if named
    unknown = any(U in x and not (flows.every(x) or "").startswith("docker:container-named:") for x in ops)
    target = " ".join(_show(x) for x in ops) or ("every container" if every else None)
    if "-v" in f or "--volumes" in f:
        _emit(a, cmd, "infra.docker-rm-force", target=target, note="also deletes the containers' anonymous volumes",
              env=env)
    elif force and (unknown or every or len(ops) >= 3):
        _emit(a, cmd, "infra.docker-rm-force", target=target,
              note="containers only known when it runs" if unknown else None, env=env)
    elif ops or every:
        _emit(a, cmd, "infra.docker-cleanup", target=target, env=env)


_COMPOSE_GLOBAL_LONG = ("--file", "--project-name", "--profile", "--env-file", "--project-directory", "--ansi",
                        "--parallel", "--progress", "--podman-path", "--podman-args")


#: Context names Docker Desktop, colima, OrbStack, Rancher Desktop and podman machine give the engine on this machine
_LOCAL_CONTEXTS = frozenset({"default", "desktop-linux", "desktop-windows", "colima", "orbstack",
                             "rancher-desktop", "podman-machine-default", "podman-machine-default-root"})


def _docker_env(a, cmd, scope, opts):
    """The environment of the engine the command talks to, from where the client takes it: -H/--host,
    -c/--context (podman: --connection/--url), else DOCKER_HOST/DOCKER_CONTEXT (podman: CONTAINER_HOST,
    CONTAINER_CONNECTION), else the current context of the client's config.  No endpoint anywhere is the
    engine on this machine ("local"); an endpoint on another host is that host's environment (None,
    unknown, when the policy does not say)."""
    if a.remote:
        return None  # run on another machine: the emitter resolves that host
    host = context = None
    for i, o in enumerate(opts):
        name, eq, val = o.partition("=")
        if name in ("-H", "--host", "-c", "--context", "--connection", "--url") and (eq or i + 1 < len(opts)):
            val = val if eq else opts[i + 1]
            if name in ("-c", "--context", "--connection"):
                context = val
            else:
                host = val
    podman = cmd.name.startswith("podman")
    if podman and ("--remote" in opts or "-r" in opts or cmd.name == "podman-remote") and host is None and \
            context is None and not _var(a, cmd, scope, "CONTAINER_HOST"):
        return None  # podman's default remote connection: which machine it is is not on the command line
    cfg = next((o.partition("=")[2] or (opts[i + 1] if i + 1 < len(opts) else "") for i, o in enumerate(opts)
                if o.partition("=")[0] == "--config"), None)
    if cfg is not None or _var(a, cmd, scope, "DOCKER_CONFIG") != a.env.get("DOCKER_CONFIG"):
        # another client configuration (`--config DIR`, DOCKER_CONFIG set here): its current context decides, and
        # one that cannot be read is not known to be this machine's engine
        import json
        import posixpath

        d = cfg if cfg is not None else _var(a, cmd, scope, "DOCKER_CONFIG")
        text = a.read_file(posixpath.join(P.resolve(d, a._scope_ctx(scope)), "config.json")) \
            if d and U not in d else None
        try:
            current = (json.loads(text).get("currentContext") or None) if text else U
        except (ValueError, AttributeError):
            current = U
        if host is None and context is None and not _var(a, cmd, scope, "DOCKER_HOST"):
            context = current if current is None or isinstance(current, str) else U
            if context is None:
                return "local"  # a configuration that names no context: the engine on this machine
    if host is None and context is None:
        host = _var(a, cmd, scope, "CONTAINER_HOST" if podman else "DOCKER_HOST") or None
        context = _var(a, cmd, scope, "CONTAINER_CONNECTION" if podman else "DOCKER_CONTEXT") or None
        if cmd.name.startswith("podman") and (_var(a, cmd, scope, "DOCKER_HOST") or "").startswith(("ssh:", "tcp:")):
            host = host or _var(a, cmd, scope, "DOCKER_HOST")
    if host is None and context is None and not podman and cmd.name != "nerdctl":
        context = scope.vars.get(_DOCKER_USED) or _docker_current_context(a, cmd, scope)
    if host is None and context is not None:
        if U in context:
            return None
        if context in _LOCAL_CONTEXTS:
            return "local"
        declared = _env(a, "host", context)
        if declared:
            return declared  # the policy names the context (or its name says prod/staging)
        host = _docker_context_host(a, cmd, scope, context)
        if host is None:
            return None  # a context whose endpoint cannot be read: unknown
    if host is None:
        return "local"  # no endpoint given anywhere: the engine on this machine
    if U in host:
        return None
    if host.startswith(("unix://", "npipe://", "fd://")) or host.startswith("/"):
        return "local"
    name = host.split("://", 1)[-1].split("@")[-1]
    name = name[1:].split("]")[0] if name.startswith("[") else name.split(":")[0].split("/")[0]
    if name in ("localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal") or _re(
            "loopback4", r"^127(\.\d{1,3}){3}$").match(name):  # (not `127.0.0.1.prod.example.com`)
        return "local"
    return _env(a, "host", name)


_DOCKER_USED = "\x00docker-context"  # scope key: the context a `docker context use` on this line switched to


def _docker_config_dir(a, cmd, scope):
    import posixpath

    d = _var(a, cmd, scope, "DOCKER_CONFIG")
    if d and U not in d:
        return d
    return posixpath.join(a.pctx.home, ".docker")


def _docker_current_context(a, cmd, scope):
    """``currentContext`` of the client's config.json (None: the default, local engine)."""
    import json
    import posixpath

    text = a.read_file(posixpath.join(_docker_config_dir(a, cmd, scope), "config.json"))
    if not text:
        return None
    try:
        ctx = json.loads(text).get("currentContext")
    except (ValueError, AttributeError):
        return U  # a config that does not read: the context is unknown
    return ctx if isinstance(ctx, str) and ctx else None


def _docker_context_host(a, cmd, scope, context):
    """The docker endpoint a named context stores (contexts/meta/<sha256 of the name>/meta.json)."""
    import hashlib
    import json
    import posixpath

    path = posixpath.join(_docker_config_dir(a, cmd, scope), "contexts", "meta",
                          hashlib.sha256(context.encode()).hexdigest(), "meta.json")
    text = a.read_file(path)
    if not text:
        return None
    try:
        host = json.loads(text)["Endpoints"]["docker"]["Host"]
    except (ValueError, KeyError, TypeError):
        return None
    return host if isinstance(host, str) and host else None


def _compose_named_env(a, opts):
    """(environment, name) when a compose file (-f/--file) or project name (-p/--project-name) names production."""
    from ...policy import is_production

    for i, o in enumerate(opts):
        name, eq, val = o.partition("=")
        if name in ("-f", "--file", "-p", "--project-name") and (eq or i + 1 < len(opts)):
            val = val if eq else opts[i + 1]
            base = val.rsplit("/", 1)[-1]
            e = a.environment_of("namespace", base)
            if e and is_production(e):
                return e, base
    return None


def _compose(a, cmd, scope, args, env=None):
    opts, rest = _first_cmd(args, with_arg="fpHc", long_with_arg=_COMPOSE_GLOBAL_LONG + ("--host", "--context"))
    if not rest:
        return
    if any(o.partition("=")[0] in ("-H", "--host", "-c", "--context") for o in opts):
        # docker-compose's own engine options (`docker-compose -H ssh://prod down -v`): that engine's environment
        env = _docker_env(a, cmd, scope, opts)
    sub, args = rest[0], rest[1:]
    named = _compose_named_env(a, opts)
    if sub in ("down", "rm"):
        f, v, _ = split_opts(args, with_arg="t", long_with_arg=("--rmi", "--timeout"))
        if "-v" in f or "--volumes" in f:
            _emit(a, cmd, "infra.compose-down-volumes", target="the project's volumes", env=named[0] if named else env)
        elif named:
            a.emit("infra.outage", cmd, target=f"the {named[1]} stack", effect="stop", environment=named[0])
    elif sub in ("stop", "kill", "pause", "restart") and named:
        # `docker compose -f docker-compose.prod.yml stop`: the stack its file or project name calls production
        a.emit("infra.outage", cmd, target=f"the {named[1]} stack", effect="stop", environment=named[0])
    elif sub == "run":
        # `docker compose run [-v SRC:DST] SERVICE CMD`: the mounts given here and the service's own
        # (compose file) are judged as docker run's are
        extra = _compose_service_mounts(a, scope, args)
        _docker_run(a, cmd, scope, extra + list(args), bool_long=_RUN_BOOL_LONG | _COMPOSE_RUN_BOOL,
                    bool_short=_RUN_BOOL_SHORT | frozenset("T"), compose=True)
    elif sub == "exec":
        _, rest = _first_cmd(args, with_arg="euwlpv", long_with_arg=(
            "--env", "--user", "--workdir", "--index", "--entrypoint", "--label", "--name", "--publish",
            "--volume", "--env-from-file", "--cap-add", "--cap-drop", "--pull"))
        if len(rest) >= 2:
            a.remote_dispatch(cmd, scope, rest[1:], f"container:{rest[0]}")


# docker run: long options that take no value (everything else takes one)
_RUN_BOOL_LONG = frozenset({
    "--rm", "--privileged", "--init", "--read-only", "--publish-all", "--no-healthcheck", "--oom-kill-disable",
    "--tty", "--interactive", "--detach", "--disable-content-trust", "--quiet", "--help", "--sig-proxy",
    "--use-api-socket", "--replace", "--http-proxy", "--rootfs", "--read-only-tmpfs", "--env-host", "--no-hosts",
    "--tls-verify", "--passwd", "--systemd-always",
})
_RUN_BOOL_SHORT = frozenset("ditPq")


_COMPOSE_RUN_BOOL = frozenset({"--no-deps", "--service-ports", "--use-aliases", "--build", "--remove-orphans",
                               "--no-TTY", "--quiet-pull", "--quiet-build", "--detach", "--rm", "--interactive"})


def _compose_service_mounts(a, scope, args):
    """``-v`` options for the bind mounts the compose file gives the service ``docker compose run``
    starts (short syntax ``SRC:DST[:ro]`` and long ``{type: bind, source, target, read_only}``);
    nothing when there is no readable compose file or YAML reader."""
    import os

    try:
        import yaml
    except ImportError:
        return []
    _, rest = _first_cmd(args, with_arg="euwlpv", long_with_arg=(
        "--env", "--user", "--workdir", "--label", "--name", "--publish", "--volume", "--entrypoint",
        "--env-from-file", "--cap-add", "--cap-drop", "--pull"))
    if not rest or U in scope.cwd or a.remote:
        return []
    service = rest[0]
    for name in ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"):
        path = os.path.join(scope.cwd, name)
        text = a.read_file(path) if os.path.isfile(path) else None
        if text is None:
            continue
        try:
            doc = yaml.safe_load(text)
            vols = doc["services"][service].get("volumes") or []
        except Exception:
            return []
        out = []
        for v in vols[:64]:
            if isinstance(v, str):
                out += ["-v", v]
            elif isinstance(v, dict) and v.get("type") == "bind" and v.get("source") and v.get("target"):
                spec = f"type=bind,source={v['source']},target={v['target']}"
                out += ["--mount", spec + (",readonly" if v.get("read_only") else "")]
        return out
    return []


_IMAGE_ENTRYPOINTS = None


def image_entrypoint(image: str) -> list:
    """The tool an image's ENTRYPOINT runs (knowledge/images.toml), as argv words; [] when not known."""
    global _IMAGE_ENTRYPOINTS
    if _IMAGE_ENTRYPOINTS is None:
        from ...knowledge import load

        _IMAGE_ENTRYPOINTS = {k.lower(): list(v) for k, v in load("images.toml").get("entrypoints", {}).items()}
    name = image.split("@", 1)[0].lower()
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return list(_IMAGE_ENTRYPOINTS.get(name, ()))


def _docker_run(a, cmd, scope, args, bool_long=None, bool_short=None, compose=False):
    bool_long = bool_long or _RUN_BOOL_LONG
    bool_short = bool_short or _RUN_BOOL_SHORT
    mounts = []
    home = user = None
    workdir = entrypoint = None
    privileged = "--privileged" in args
    pid_host = any(x in ("--pid=host", "--pid") and (x == "--pid=host" or args[i + 1:i + 2] == ["host"])
                   for i, x in enumerate(args))
    i, n = 0, len(args)
    image = None
    while i < n:
        x = args[i]
        if x == "--":
            i += 1
            break
        if x.startswith("--"):
            name, eq, val = x.partition("=")
            if not eq and name not in bool_long:
                val = args[i + 1] if i + 1 < n else ""
                i += 1
            if name in ("--volume", "--mount"):
                mounts.append((name, val))
            elif name == "--env" and val.startswith("HOME="):
                home = val[5:]
            elif name == "--user":
                user = val
            elif name == "--workdir":
                workdir = val
            elif name == "--entrypoint":
                entrypoint = val
            i += 1
            continue
        if x.startswith("-") and len(x) > 1:
            j = 1
            while j < len(x):
                c = x[j]
                if c in bool_short:
                    j += 1
                    continue
                val = x[j + 1:]
                if not val and i + 1 < n:
                    val = args[i + 1]
                    i += 1
                if c == "v":
                    mounts.append(("--volume", val))
                elif c == "e" and val.startswith("HOME="):
                    home = val[5:]
                elif c == "u":
                    user = val
                elif c == "w":
                    workdir = val
                break
            i += 1
            continue
        image = x  # (a compose service name for `docker compose run`)
        i += 1
        break
    inner = args[i:]
    if entrypoint:
        inner = entrypoint.split() + inner
    elif image and inner and not compose:
        inner = image_entrypoint(image) + inner  # `docker run amazon/aws-cli s3 rb …` runs `aws s3 rb …`
    if image is None or not inner:
        return
    parsed = [m for m in (_mount(kind, spec, a, scope) for kind, spec in mounts) if m]
    # PID 1 is the host's init (--pid=host) and the container may enter its namespaces (privileged, or
    # CAP_SYS_ADMIN): nsenter -t 1 runs on the host
    caps = " ".join(x for x in args if "SYS_ADMIN" in x.upper() or x.upper() in ("ALL", "--CAP-ADD=ALL"))
    privileged = pid_host and (privileged or bool(caps))
    if inner[0] == "chroot":
        # chroot into a mounted host directory: that directory becomes the container's /
        _, rest = _first_cmd(inner[1:], long_with_arg=("--userspec", "--groups"))
        root = rest[0].rstrip("/") if rest else ""
        m = next((m for m in parsed if m[1] == (root or "/")), None)
        if m is not None:
            parsed = [(m[0], "/", m[2], m[3])]
            inner = rest[1:] or ["sh"]
            workdir = "/"
    n0 = len(a.findings)
    _in_container(a, cmd, scope, inner, f"container:{_show(image)}", workdir)
    new = a.findings[n0:]
    del a.findings[n0:]
    _forget(a, new)
    for fd in new:
        if not fd.rule.startswith("fs."):
            a.findings.append(fd)  # databases over the network, devices, processes...
            continue
        if fd.rule.startswith("fs.perm"):
            continue  # a permission change deletes nothing: the host-side view below judges its host path
        _map_through_mounts(a, cmd, scope, fd, parsed, image)
    if home is None and user and user.split(":")[0] not in ("root", "0"):
        name = user.split(":")[0]
        home = f"/home/{name}" if not name.isdigit() else None
    _on_host(a, cmd, scope, inner, parsed, workdir, image, privileged, home or "/root")


#: Where a container path that no mount maps lands in the host-side view: the container's own files.
_CONTAINER_FS = "/tmp/interlock-container-fs"
_ABS_TOKEN = None
_SHELLS = frozenset({"sh", "bash", "zsh", "ash", "dash", "ksh", "fish", "busybox"})


def _host_path(path, binds):
    """A container path → the host path a bind mount gives it, else a place in the container's own files."""
    import posixpath

    p = posixpath.normpath(path) if path.startswith("/") else path
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    best = None
    for src, dst, _w in binds:
        if p == dst or dst == "/" or p.startswith(dst + "/"):
            if best is None or len(dst) > len(best[1]):
                best = (src, dst)
    if best is None:
        return _CONTAINER_FS + p
    src, dst = best
    rest = p[len(dst):] if dst != "/" else p
    return (src.rstrip("/") + rest) or "/"


def _on_host(a, cmd, scope, inner, mounts, workdir, image, privileged, home="/root"):
    """The container's command seen from the host: every absolute path it names (in its argv and in
    ``sh -c`` text) is replaced by the host path a bind mount gives it, or by a place in the container's
    own files; then it is judged as on the host.  `cat /h/.aws/credentials` under `-v $HOME:/h` is a
    read of ~/.aws/credentials; `echo x > /e/passwd` under `-v /etc:/e` overwrites /etc/passwd.
    A read-only mount keeps reads (a secret is still read) and drops changes."""
    import re

    global _ABS_TOKEN
    binds = [(m[0], m[1], m[2]) for m in mounts if not m[3] and m[0].startswith("/") and U not in m[0]]
    if not binds and not privileged:
        return
    if _ABS_TOKEN is None:
        _ABS_TOKEN = re.compile(r"(?<![\w$.~/-])(~(?=/|$|[\s'\";|&)])|/[^\s'\"`;|&<>()$]*)")

    def rewrite(word):
        return _ABS_TOKEN.sub(lambda m: _host_path(home + m.group(0)[1:] if m.group(0).startswith("~")
                                                   else m.group(0), binds), word)

    argv = [rewrite(x) for x in inner]
    if privileged and _enters_host(inner):
        # nsenter into PID 1's namespaces (or chroot into the host's /): the rest runs on the host itself
        rest = _after_nsenter(inner)
        if rest:
            prev = a.remote
            a.remote = None
            try:
                a.dispatch(cmd.derive(list(rest)), scope.child())
            finally:
                a.remote = prev
        if not rest or rest[0].rsplit("/", 1)[-1] in _SHELLS and not any(x == "-c" for x in rest):
            a.emit("infra.container-host-root", cmd, target="the host", effect="run",
                   note=f"{image} runs privileged and enters the host's namespaces")
        return
    rw_root_or_home = [m for m in binds if m[2] and P.classify(m[0], a.pctx).kind in (P.ROOT, P.HOME, P.SYSTEM)]
    if rw_root_or_home and inner[0].rsplit("/", 1)[-1] in _SHELLS and not any(x in ("-c", "-e") for x in inner) \
            and cmd.stdin is None:
        a.emit("infra.container-host-root", cmd, target=", ".join(P.display(m[0], a.pctx) for m in rw_root_or_home),
               effect="run", note=f"an interactive shell in {image} with the host's "
                                  f"{P.display(rw_root_or_home[0][0], a.pctx)} mounted writable")
    if not binds:
        return
    inner_scope = scope.child()
    inner_scope.cwd = _host_path(workdir if workdir and workdir.startswith("/") and U not in workdir else "/", binds)
    inner_scope.vars["HOME"] = _host_path(home if home.startswith("/") else "/root", binds)
    seen_rules = {f.rule for f in a.findings}
    mapped = "infra.container-mount-destroy" in seen_rules  # the container's deletes already met a mount
    n0 = len(a.findings)
    prev, prev_ran = a.remote, len(a.ran)
    a.remote = None  # the host's view: start-up files, git hooks and scripts reached through mounts count
    try:
        a.dispatch(cmd.derive(argv, remote=None), inner_scope)
    finally:
        a.remote = prev
        del a.ran[prev_ran:]  # not commands run on the host
    new = a.findings[n0:]
    del a.findings[n0:]
    _forget(a, new)
    read_only = [P.resolve(m[0], a.pctx) for m in binds if not m[2]]
    writable = [P.resolve(m[0], a.pctx) for m in binds if m[2]]

    def under(host, roots):
        return any(host == r or host.startswith(r.rstrip("/") + "/") or r == "/" for r in roots)

    for fd in new:
        t = fd.target or ""
        if _CONTAINER_FS in t or _CONTAINER_FS in (fd.note or "") or fd.rule in seen_rules:
            continue
        host = P.resolve(t.split(" ", 1)[0], a.pctx) if t.startswith(("/", "~")) else None
        if t and not fd.rule.startswith(("fs.", "secrets.", "disk.", "interlock.")) and not (
                host and under(host, read_only + writable)):
            continue  # not about a host path the mounts reach
        # (no target: what the host-side view alone finds, e.g. commands planted into a start-up file)
        if mapped and fd.rule.startswith("fs.delete"):
            continue
        if not fd.rule.startswith(("secrets.", "interlock.approvals")) and host:
            if under(host, read_only) and not under(host, writable):
                continue  # a read-only mount: the change fails
        fd.note = f"inside {image}, through its mounts" + (f"; {fd.note}" if fd.note else "")
        a.findings.append(fd)
        seen_rules.add(fd.rule)


def _forget(a, findings):
    """Findings taken back to be re-judged: the same command may be reported again (emit dedupes)."""
    seen = getattr(a, "_seen", None)
    if seen is not None:
        for fd in findings:
            seen.discard((fd.rule, fd.evidence, fd.target, fd.location))


def _enters_host(inner):
    prog = inner[0].rsplit("/", 1)[-1]
    if prog == "nsenter":
        return any(x in ("-t", "--target", "-t1", "--target=1") or x.startswith("--target=") for x in inner[1:])
    return False


def _after_nsenter(inner):
    """The command after nsenter's options (nsenter -t 1 -m -u -n -i sh → ['sh'])."""
    i = 1
    with_value = ("-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "--root", "-w", "--wd")
    while i < len(inner):
        x = inner[i]
        if x == "--":
            return inner[i + 1:]
        if not x.startswith("-"):
            return inner[i:]
        i += 2 if x in with_value else 1
    return []


def _mount(kind, spec, a, scope):
    """(source, destination, writable, named volume?) of a -v / --mount, or None."""
    if kind == "--mount":
        opts = {}
        ro = False
        for part in spec.split(","):
            k, eq, val = part.partition("=")
            if not eq and k in ("ro", "readonly"):
                ro = True
            opts[k] = val
        if opts.get("readonly", opts.get("ro", "")).lower() in ("true", "1"):
            ro = True
        src = opts.get("source") or opts.get("src") or ""
        dst = opts.get("target") or opts.get("destination") or opts.get("dst") or ""
        typ = opts.get("type", "volume")
        if typ not in ("bind", "volume") or not dst:
            return None
        named = typ == "volume"
    else:
        parts = spec.split(":")
        if len(parts) < 2:
            return None  # an anonymous volume: only the container sees it
        src, dst = parts[0], parts[1]
        ro = len(parts) > 2 and "ro" in parts[2].split(",")
        named = bool(src) and not src.startswith(("/", ".", "~", U))
    if not src or not dst:
        return None
    if not named:
        place = a.place(src, scope)
        src = place.path or src
    return src, dst.rstrip("/") or "/", not ro, named


def _in_container(a, cmd, scope, argv, remote, workdir):
    """Analyse an argv as a container runs it: its own filesystem, home /root."""
    prev_remote, prev_ctx = a.remote, a.pctx
    a.remote = remote
    a.pctx = P.PathContext("/root", "/root", None, (), ())
    inner = scope.child()
    inner.cwd = workdir if workdir and workdir.startswith("/") and U not in workdir else "/"
    inner.vars["HOME"] = "/root"
    try:
        a.dispatch(cmd.derive(list(argv), remote=remote), inner)
    finally:
        a.remote, a.pctx = prev_remote, prev_ctx


_HOST_RISK = (P.ROOT, P.HOME, P.SYSTEM, P.OUTSIDE, P.WORKSPACE_ROOT, P.PROTECTED, P.SELF, P.DEVICE)


def _map_through_mounts(a, cmd, scope, fd, mounts, image):
    """A file finding inside a container: only what lies in a mounted host path or volume matters."""
    path = fd.target or ""
    if path.startswith("~"):
        path = "/root" + path[1:]
    writable = [m for m in mounts if m[2]]
    if not path.startswith("/"):
        # the container-side path is unknown: any writable mount may be hit
        if any(m[3] or P.classify(m[0], a.pctx).kind in _HOST_RISK for m in writable):
            a.emit("infra.container-mount-destroy", cmd, target=", ".join(m[0] for m in writable),
                   effect=fd.effect or "delete", note=f"{fd.rule} inside {image} at a path known only when it runs")
        elif writable:
            a.emit("fs.delete-unresolved", cmd, target=_show(path) or None, effect=fd.effect or "delete",
                   note=f"inside {image}, which mounts " + ", ".join(P.display(m[0], a.pctx) for m in writable))
        return
    best = None
    for m in writable:
        dst = m[1]
        if path == dst or dst == "/" or path.startswith(dst + "/"):
            if best is None or len(dst) > len(best[1]):
                best = m
    if best is None:
        return  # the container's own filesystem: gone with the container anyway
    src, dst, _, named = best
    rest = path[len(dst):] if dst != "/" else path
    if named:
        a.emit("infra.container-mount-destroy", cmd, target=f"volume {src}" + (f" ({rest.lstrip('/')})" if rest
                                                                                  else ""),
               effect=fd.effect or "delete", note=f"{fd.rule} inside {image}, on the volume mounted at {dst}")
        return
    host = src.rstrip("/") + rest if rest else src
    place = a.place(host, scope)
    shown = P.display(place.path, a.pctx) if place.path else host
    note = f"inside {image}, through the mount {P.display(src, a.pctx)}:{dst}"
    if place.kind in _HOST_RISK:
        a.emit("infra.container-mount-destroy", cmd, target=shown, effect=fd.effect or "delete",
               note=f"{fd.rule} {note}")
    else:
        rule = _DELETE_RULES.get(place.kind)
        if rule:
            a.emit(rule, cmd, target=shown, effect=fd.effect or "delete", note=note)


# --- AWS ----------------------------------------------------------------------------------------

_AWS_BOOL = frozenset({"--debug", "--no-verify-ssl", "--no-paginate", "--no-sign-request", "--no-cli-pager",
                       "--cli-auto-prompt", "--no-cli-auto-prompt", "--version", "--help"})



def _aws_split(args):
    """(global options, service, operation, rest) with global ``--x value`` pairs skipped."""
    i, n = 0, len(args)
    opts = {}
    ops = []
    while i < n and len(ops) < 2:
        x = args[i]
        if x.startswith("--"):
            name, eq, val = x.partition("=")
            if eq:
                opts[name] = val
            elif name in _AWS_BOOL:
                opts[name] = True
            elif i + 1 < n:
                opts[name] = args[i + 1]
                i += 1
        else:
            ops.append(x)
        i += 1
    return opts, ops, args[i:]


def _aws_opts(rest):
    """AWS options: ``--name value`` unless the next word is another option (then a switch)."""
    opts = {}
    i, n = 0, len(rest)
    while i < n:
        x = rest[i]
        if x.startswith("--"):
            name, eq, val = x.partition("=")
            if not eq and i + 1 < n and not rest[i + 1].startswith("--") and name not in _AWS_SWITCHES:
                val = rest[i + 1]
                i += 1
            opts[name] = val if (eq or val) else True
        i += 1
    return opts


_AWS_SWITCHES = frozenset({"--recursive", "--force", "--dryrun", "--dry-run", "--quiet", "--delete",
                           "--skip-final-snapshot", "--delete-automated-backups", "--only-show-errors",
                           "--no-progress", "--follow-symlinks", "--no-follow-symlinks", "--exact-timestamps",
                           "--skip-final-cluster-snapshot", "--force-delete-without-recovery"})


@handles("aws")
def aws(a, cmd, scope):
    gopts, ops, rest = _aws_split(cmd.args)
    if len(ops) < 2:
        return
    svc, op = ops
    o = dict(gopts)
    o.update(_aws_opts(rest))
    if "--dryrun" in o or "--dry-run" in o or "help" in (svc, op) or "--help" in o or rest[-1:] == ["help"]:
        return
    profile = o.get("--profile")
    profile = profile if isinstance(profile, str) else _var(a, cmd, scope, "AWS_PROFILE")
    env = _first_env(a, [("cloud_account", profile)])
    if svc == "s3":
        if op in ("cp", "mv", "sync"):  # what goes up: a local source that is a secret file
            for src in _ops(rest)[:-1]:
                check_sent(a, cmd, src, scope)  # an s3:// source is not local: check_sent skips URLs
        _aws_s3(a, cmd, op, o, rest, env)
        return
    ident = _aws_ident(rest)
    target = f"{svc} {ident}" if ident else svc
    if svc == "s3api" and op == "delete-bucket":
        a.emit("infra.aws-s3-delete-all", cmd, target=target, effect=op, environment=env)
        return
    data = _cloud_data()["aws"].get(svc)
    if data and (op.startswith(data) if isinstance(data, str) else op in data):
        note = None
        if svc == "rds" and op in ("delete-db-instance", "delete-db-cluster"):
            if "--skip-final-snapshot" in o:
                note = "--skip-final-snapshot: no final snapshot is kept"
            if "--delete-automated-backups" in o:
                note = (note + "; " if note else "") + "--delete-automated-backups: its backups go too"
        a.emit("infra.aws-delete-data", cmd, target=target, effect=op, note=note, environment=env)
    elif _cloud_data()["aws_with_option"].get(svc, {}).get(op) in o:
        # `s3api delete-object --version-id V`: that version is gone for good (no delete marker stands in)
        opt = _cloud_data()["aws_with_option"][svc][op]
        a.emit("infra.aws-delete-data", cmd, target=target, effect=op, environment=env,
               note=f"{opt}: deleted for good, not hidden behind a delete marker")
    elif svc == "rds" and op.startswith("modify-db") and o.get("--backup-retention-period") == "0":
        a.emit("infra.aws-delete-data", cmd, target=target, effect=op,
               note="--backup-retention-period 0 turns off automated backups and deletes the existing ones",
               environment=env)
    elif _AWS_VERBS & set(op.split("-")):  # by verb over any service: admin-delete-user, delete-rest-api...
        _emit(a, cmd, "infra.aws-delete", target=target, effect=op, env=env)
    elif svc == "route53" and op == "change-resource-record-sets":
        # records deleted, replaced or created in a hosted zone: where the names send traffic changes at once
        batch = o.get("--change-batch") if isinstance(o.get("--change-batch"), str) else ""
        acts = sorted(set(_re("r53-action", r'"?Action"?\s*[:=]\s*"?(DELETE|UPSERT|CREATE)').findall(batch)))
        _emit(a, cmd, "infra.aws-delete" if "DELETE" in acts or not acts else "net.dns-change", target=target,
              effect="delete" if "DELETE" in acts else "change", env=env,
              note="DNS records " + ("/".join(acts).lower() if acts else "changed by a batch only known when it runs"))
    elif op == "update-service" and "--force-new-deployment" in o:
        # every task replaced by a new one: a restart of the service (weighed by its cluster's environment)
        _emit(a, cmd, "infra.restart", target=target + (f" in {_show(o['--cluster'])}" if isinstance(
            o.get("--cluster"), str) else ""), effect="force-new-deployment",
              env=env or _first_env(a, [("cloud_project", o.get("--cluster") if isinstance(o.get("--cluster"), str)
                                                          else None)]))
    elif _re("aws-outage", _OUTAGE_OP).match(op) or (
            op.split("-", 1)[0] in _CAPACITY_OPS and capacity.zero_option(o)):
        # any service whose capacity is set to nothing: `ecs update-service --desired-count 0`,
        # `lambda put-function-concurrency --reserved-concurrent-executions 0`, `autoscaling set-desired-capacity 0`
        _emit(a, cmd, "infra.outage", target=target, effect=op, env=env,
              note="scaled to zero" if not _re("aws-outage", _OUTAGE_OP).match(op) else None)
    elif _cloud_change("aws", (svc, op), o):
        # a store's value overwritten, a queue rewound, a failover, an edge reconfigured (cloud_changes.toml)
        _emit(a, cmd, _cloud_change("aws", (svc, op), o), target=target, effect=op, env=env)
    elif op.split("-", 1)[0] in _COST_OPS and capacity.cost_option(o):
        # created or sized to a large count or a GPU / very large machine type (`ec2 run-instances --instance-type
        # p4d.24xlarge`, `ecs update-service --desired-count 400`): the bill grows by the hour
        _emit(a, cmd, "infra.cost-spike", target=target, effect=op, env=env,
              note=capacity.cost_note(capacity.cost_option(o)[2]))


def _az_named(a, args):
    """(the resource's --name, its environment by --subscription or --resource-group) of an az command's options."""
    f, v, _ = split_opts(args, with_arg="ngs", long_with_arg=("--name", "--resource-group", "--subscription", "--ids"))
    return _opt(v, "-n", "--name"), _first_env(a, [("cloud_account", _opt(v, "--subscription")),
                                                  ("cloud_project", _opt(v, "-g", "--resource-group"))])


_changes = None


def _cloud_changes():
    """knowledge/cloud_changes.toml: per CLI, [(path words, when_flags, when_options, rule)], read on first use."""
    global _changes
    if _changes is None:
        from ...knowledge import load

        raw = load("cloud_changes.toml")
        out = {}
        for cli in ("aws", "gcloud", "az"):
            out[cli] = [(tuple(op.split()), frozenset(e.get("when_flags", ())),
                         {k: re.compile(str(x)) for k, x in e.get("when_options", {}).items()}, e["rule"])
                        for e in raw.get(cli, ()) for op in e["ops"]]
        out["examples"] = [(e["cmd"], e["rule"]) for e in raw.get("examples", [])]
        _changes = out
    return _changes


def _cloud_change(cli, words, opts):
    """The rule of knowledge/cloud_changes.toml whose path starts ``words`` (a CLI's command path) and whose
    conditions hold over ``opts`` ({--name: value, or True for a flag}), else None."""
    for path, flags, when, rule in _cloud_changes()[cli]:
        if len(words) >= len(path) and all(p == "*" or p == w for p, w in zip(path, words)):
            if flags and not flags & set(opts):
                continue
            if when and not all(isinstance(opts.get(k), str) and rx.fullmatch(opts[k]) for k, rx in when.items()):
                continue
            return rule
    return None


def _data_flag(args):
    """The option of ``args`` that deletes data or its backups (knowledge/cloud_data.toml [data_flags]), set and
    not to false; else None."""
    flags = _cloud_data()["data_flags"]
    for i, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name not in flags:
            continue
        if not eq:
            val = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("-") else "true"
        if val.strip("'\"").lower() not in ("false", "no", "0", "off"):
            return name
    return None


def _long_values(args, short=()) -> dict:
    """Every ``--name value`` / ``--name=value`` pair of a CLI whose long options take values (Azure's, a
    patch's ``-p`` as ``--patch``); a flag followed by another option has no value."""
    out = {}
    for i, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name in short:
            name = "--patch"
        if not name.startswith("-"):
            continue
        if eq:
            out[name] = val
        elif i + 1 < len(args) and not args[i + 1].startswith("-"):
            out[name] = args[i + 1]
    return out


#: The verbs that set a capacity of something that exists (an operation's first word: `update-service`,
#: `register-scalable-target`; az's and gcloud's last: `az aks scale`, `set-autoscaling`)
_CAPACITY_OPS = frozenset({"update", "put", "set", "modify", "register", "scale", "resize", "patch",
                           "set-autoscaling", "update-autoscaling"})


#: The verbs that create or size what is billed by the hour (an operation's first word; az's and gcloud's last)
_COST_OPS = _CAPACITY_OPS | {"run", "create", "launch", "request", "purchase", "start", "add"}

#: Parts of an AWS operation name that delete (any service: `admin-delete-user`, `batch-delete-item`).
_AWS_VERBS = frozenset({"delete", "terminate", "remove", "deregister", "purge", "revoke", "destroy", "drop", "wipe",
                        "erase"})
#: Stopping or rebooting what serves: instances, databases, clusters, environments, apps.
_OUTAGE_OP = (r"^(stop|reboot|hibernate|failover|test-failover|switchover|pause|suspend)-(db-)?(instance|instances|cluster|clusters|environment|"
              r"application|app|service|services|relational-database|notebook-instance|server|database|broker|"
              r"replication-group|cache-cluster|node|nodes|workspaces|fleet|stack)$")


def _aws_ident(rest):
    """The value of the first ``--*-id``/``--*-name``/``--*-identifier`` option, to name the target."""
    for i, x in enumerate(rest):
        name, eq, val = x.partition("=")
        if name.startswith("--") and name.endswith(("-id", "-ids", "-name", "-identifier", "-arn", "--bucket",
                                                    "--id", "--queue-url")):
            if not eq and i + 1 < len(rest):
                val = rest[i + 1]
            if val and not val.startswith("-"):
                return _show(val)
    return None


def _aws_s3(a, cmd, op, f, rest, env):  # f: the options given
    from . import flows

    urls = [x for x in rest if x.startswith("s3://") or flows.every(x)]
    target = " ".join(_show(u) for u in urls) or None
    if op == "rb":
        a.emit("infra.aws-s3-delete-all", cmd, target=target, effect="delete-bucket",
               note="with every object in it (--force)" if "--force" in f else None, environment=env)
    elif op == "rm":
        if "--recursive" in f:
            a.emit("infra.aws-s3-delete-all", cmd, target=target, effect="delete-recursive", environment=env)
        else:
            _emit(a, cmd, "infra.aws-s3-delete", target=target, env=env)
    elif op == "sync" and "--delete" in f:
        ops = _ops(rest)
        dest = ops[-1:] or [None]
        src = ops[0] if len(ops) == 2 else None
        if src and not src.startswith("s3://") and U not in src and dest[0] and dest[0].startswith("s3://") and \
                not a.remote and _empty_dir(P.resolve(src, a.pctx)) and not any(x in f for x in ("--exclude", "--include")):
            # `aws s3 sync --delete ./empty s3://bucket`: nothing on this side, so everything on that side goes
            a.emit("infra.aws-s3-delete-all", cmd, target=_show(dest[0]), effect="delete-recursive", environment=env,
                   note=f"{src} is empty: the sync deletes every object below {_show(dest[0])}")
        else:
            _emit(a, cmd, "infra.aws-s3-delete", target=_show(dest[0]) if dest[0] else None, effect="sync-delete",
                  note="deletes destination files the source lacks", env=env)


def _empty_dir(path):
    """``path`` is a directory with no entry: a sync from it leaves nothing (a missing source is an error of
    the AWS CLI: "The user-provided path … does not exist", nothing is deleted)."""
    import os

    try:
        return os.path.isdir(path) and not os.listdir(path)
    except OSError:
        return False


# --- Google Cloud -----------------------------------------------------------------------------------

_GCLOUD_VALUE = frozenset({"--project", "--account", "--configuration", "--billing-project", "--format",
                           "--impersonate-service-account", "--verbosity", "--flatten", "--zone", "--region",
                           "--location", "--access-token-file", "--trace-token", "--instance", "--cluster",
                           "--database", "--filter", "--limit", "--sort-by", "--page-size", "--async-job",
                           "--keyring", "--key", "--environment", "--service", "--member", "--role",
                           "--num-nodes", "--activation-policy", "--tier", "--image", "--source", "--size",
                           "--tag", "-t", "--pack"})



def _gcloud_split(args):
    """(operands, flags, values): operands in order, with known ``--flag value`` pairs skipped."""
    ops, flags, values = [], set(), {}
    i, n = 0, len(args)
    while i < n:
        x = args[i]
        if x.startswith("-") and len(x) > 1:
            name, eq, val = x.partition("=")
            if eq:
                values[name] = val
            elif name in _GCLOUD_VALUE and i + 1 < n:
                values[name] = args[i + 1]
                i += 1
            else:
                flags.add(name)
        else:
            ops.append(x)
        i += 1
    return ops, flags, values


@handles("gcloud")
def gcloud(a, cmd, scope):
    ops, f, v = _gcloud_split(cmd.args)
    while ops and ops[0] in ("alpha", "beta", "preview"):
        ops = ops[1:]
    if "--help" in f or "-h" in f or not ops or ops[0] == "help":
        return
    env = _first_env(a, [("cloud_project", _opt(v, "--project"))])
    if ops[:2] == ["storage", "rm"]:
        urls = [_show(x) for x in ops[2:]]
        recursive = bool({"-r", "-R", "--recursive"} & f) or any(x.endswith("**") for x in ops[2:])
        if recursive:
            a.emit("infra.gcp-delete-data", cmd, target=" ".join(urls) or None, effect="delete-recursive",
                   environment=env)
        else:
            _emit(a, cmd, "infra.gcp-delete", target=" ".join(urls) or None, env=env)
        return
    if ops[:2] in (["storage", "cp"], ["storage", "mv"], ["storage", "rsync"]):
        for src in ops[2:-1]:
            check_sent(a, cmd, src, scope)
    if ops[:2] == ["storage", "rsync"] and "--delete-unmatched-destination-objects" in f:
        _emit(a, cmd, "infra.gcp-delete", target=_show(ops[-1]), effect="sync-delete", env=env)
        return
    if ops[:2] == ["builds", "submit"] and ("--tag" in v or "-t" in v or "--pack" in v):
        # Cloud Build builds and pushes the image under its tag
        _emit(a, cmd, "publish.release", target="image " + _show(_opt(v, "--tag", "-t") or v.get("--pack") or ""),
              effect="publish", env=env)
        return
    if ops[:2] in (["run", "deploy"], ["app", "deploy"], ["functions", "deploy"], ["run", "services"]) and \
            (ops[1] == "deploy" or ops[2:3] in (["update-traffic"], ["replace"], ["update"])) and \
            not {"--no-traffic", "--no-promote"} & f:  # (a revision that serves nothing yet is not live)
        # `gcloud run deploy api`, `gcloud app deploy`, `gcloud functions deploy f`: the live service serves the
        # new revision at once (production unless the project names another environment: infra.deploy)
        a.emit("infra.deploy", cmd, target=" ".join(_show(x) for x in ops[:3]), effect="deploy", environment=env)
        return
    k = next((i for i, x in enumerate(ops) if x in ("delete", "destroy") or (
        i > 0 and "-" in x and _generic_verb(x))), None)
    change = _cloud_change("gcloud", ops, {**{x: True for x in f}, **v}) if k is None else None
    if change:
        _emit(a, cmd, change, target=" ".join(_show(x) for x in ops[:5]), effect=" ".join(ops[:4]), env=env)
        return
    if k is None and ops[0] not in ("config", "auth", "components", "topic", "help"):
        o = next((i for i, x in enumerate(ops[:5]) if x in ("stop", "suspend", "reset", "restart", "disable")), None)
        if o:
            _emit(a, cmd, "infra.outage", target=" ".join(_show(x) for x in ops[:o] + ops[o + 1:o + 2]),
                  effect=ops[o], env=env)
        elif any(x in _CAPACITY_OPS for x in ops[1:5]) and capacity.zero_option(_long_values(cmd.args)):
            # a cluster's node pool, a managed instance group or its autoscaler sized to nothing (`resize
            # --num-nodes 0`, `set-autoscaling --max-num-replicas 0`): what ran there stops
            j = next(i for i, x in enumerate(ops) if x in _CAPACITY_OPS)
            opt, _ = capacity.zero_option(_long_values(cmd.args))
            _emit(a, cmd, "infra.outage", target=" ".join(_show(x) for x in ops[:j] + ops[j + 1:j + 2]),
                  effect=ops[j], env=env, note=f"scaled to zero ({opt} 0): it stops serving")
        elif any(x in _COST_OPS for x in ops[1:5]) and capacity.cost_option(_long_values(cmd.args)):
            j = next(i for i, x in enumerate(ops) if x in _COST_OPS)
            _emit(a, cmd, "infra.cost-spike", target=" ".join(_show(x) for x in ops[:j] + ops[j + 1:j + 2]),
                  effect=ops[j], env=env, note=capacity.cost_note(capacity.cost_option(_long_values(cmd.args))[2]))
        elif ops[:3] == ["sql", "instances", "patch"] and (v.get("--activation-policy") or "").upper() == "NEVER":
            # Cloud SQL has no `stop`: an activation policy of NEVER is how an instance is stopped
            _emit(a, cmd, "infra.outage", target=" ".join(_show(x) for x in ops[:4]), effect="stop", env=env,
                  note="activation policy NEVER: the instance stops")
        return
    if k is None or k == 0:
        return
    path, names = tuple(ops[:k]), ops[k + 1:]
    target = " ".join(path) + (" " + " ".join(_show(x) for x in names) if names else "")
    if path == ("projects",) and names and env not in PROD:
        env = _first_env(a, [("cloud_project", names[0])]) or env
    if any(path[-len(p):] == p for p in _cloud_data()["gcloud"]) and ops[k] in ("delete", "destroy"):
        # (`instances remove-metadata` removes a part of an instance, not the instance and its data)
        a.emit("infra.gcp-delete-data", cmd, target=target, effect=ops[k], environment=env)
    else:
        _emit(a, cmd, "infra.gcp-delete", target=target, effect=ops[k], env=env)


@handles("gsutil")
def gsutil(a, cmd, scope):
    _, rest = _first_cmd(cmd.args, with_arg="houi")
    if not rest:
        return
    sub, args = rest[0], rest[1:]
    f, v, ops = split_opts(args, with_arg="p")
    if sub in ("cp", "mv", "rsync"):
        for src in ops[:-1]:
            check_sent(a, cmd, src, scope)
    urls = " ".join(_show(x) for x in ops) or None
    if sub == "rb":
        a.emit("infra.gcp-delete-data", cmd, target=urls, effect="delete-bucket")
    elif sub in ("rm", "del", "delete", "remove"):
        if {"-r", "-R"} & f or any(x.endswith("**") for x in ops):
            a.emit("infra.gcp-delete-data", cmd, target=urls, effect="delete-recursive")
        else:
            a.emit("infra.gcp-delete", cmd, target=urls, effect="delete")
    elif sub == "rsync" and "-d" in f:
        a.emit("infra.gcp-delete", cmd, target=_show(ops[-1]) if ops else None, effect="sync-delete",
               note="deletes destination objects the source lacks")


# --- Azure ------------------------------------------------------------------------------------------


def _generic_verb(word):
    """A hyphenated verb the generic verb model (knowledge/generic.toml) reads as destructive: `remove-value`,
    `delete-batch`, `purge-deleted`, `admin-delete-user`; a model that does not load counts every one."""
    from . import clis

    try:
        return bool(clis.generic_model().verb(word))
    except clis.KnowledgeError:
        return True


@handles("az")
def az(a, cmd, scope):
    args = cmd.args
    k = next((i for i, x in enumerate(args) if x.startswith("-")), len(args))
    path = args[:k]
    if not path or "--help" in args or "-h" in args:
        return
    verb = path[-1]
    if len(path) < 2 or path[0] in ("extension", "bicep", "config", "cache", "upgrade", "login", "logout"):
        return  # Azure CLI's own extensions, tools and settings: local
    if tuple(path[:2]) in (("acr", "build"), ("acr", "import")) or tuple(path[:3]) == ("acr", "manifest", "push"):
        # the image built or imported is written under its tag in the registry, replacing what pulls of it get
        tag = next((args[i + 1] for i, x in enumerate(args[:-1]) if x in ("-t", "--image", "--target")), None)
        _emit(a, cmd, "publish.release", target="image " + (_show(tag) if tag else "in " + " ".join(path)),
              effect="publish", env=None)
        return
    if verb in ("stop", "deallocate", "restart", "suspend", "pause", "reboot", "force-reboot", "restart-app-server") \
            and path[0] not in ("account",) or \
            verb in _CAPACITY_OPS and capacity.zero_option(_long_values(args[k:])):
        # (`az aks scale --node-count 0`, `az webapp update --number-of-workers 0`: nothing left to serve)
        name, env = _az_named(a, args[k:])
        _emit(a, cmd, "infra.outage", target=" ".join(path[:-1]) + (f" {_show(name)}" if name else ""),
              effect=verb, env=env)
        return
    change = _cloud_change("az", path, _long_values(args[k:]))
    if change:
        name, env = _az_named(a, args[k:])
        _emit(a, cmd, change, target=" ".join(path[:-1]) + (f" {_show(name)}" if name else ""), effect=verb, env=env)
        return
    if verb in _COST_OPS and capacity.cost_option(_long_values(args[k:])):
        # created or sized to a large count or a GPU / very large size (`az vmss scale --new-capacity 1000`,
        # `az vm create --size Standard_ND96amsr_A100_v4`)
        name, env = _az_named(a, args[k:])
        _emit(a, cmd, "infra.cost-spike", target=" ".join(path[:-1]) + (f" {_show(name)}" if name else ""),
              effect=verb, env=env, note=capacity.cost_note(capacity.cost_option(_long_values(args[k:]))[2]))
        return
    flag = _data_flag(args[k:])
    if flag and verb not in ("delete", "purge"):
        # `az backup protection disable … --delete-backup-data true`: whatever the verb, the data goes with it
        f, v, _ = split_opts(args[k:], with_arg="ngsv", long_with_arg=("--name", "--resource-group", "--subscription",
                                                                       "--vault-name", "--item-name"))
        group = _opt(v, "-g", "--resource-group")
        env = _first_env(a, [("cloud_account", _opt(v, "--subscription")), ("cloud_project", group)])
        a.emit("infra.azure-delete-data", cmd, target=" ".join(path) + (f" in {_show(group)}" if group else ""),
               effect="delete", environment=env, note=f"{flag} deletes the data it names")
        return
    if verb not in ("delete", "purge", "delete-batch", "remove") and not _generic_verb(verb):
        return  # by verb over any service, as the generic model reads it (`delete-*`, `remove-value`, `purge-deleted`)
    f, v, _ = split_opts(args[k:], with_arg="ngs", long_with_arg=(
        "--name", "--resource-group", "--subscription", "--ids", "--source", "--account-name", "--container-name",
        "--server", "--vault-name", "--output", "--query"))
    name = _opt(v, "-n", "--name", "--container-name", "-s", "--source")
    group = _opt(v, "-g", "--resource-group")
    sub = _opt(v, "--subscription")
    if tuple(path[:-1]) == ("group",):
        group = group or name
    env = _first_env(a, [("cloud_account", sub), ("cloud_project", group)])
    what = " ".join(path[:-1]) + (f" {_show(name)}" if name else "") + (f" in {_show(group)}" if group and
                                                                        group != name else "")
    grp = tuple(path[:-1])
    if grp in _cloud_data()["az"] and not (grp == ("storage", "blob") and verb == "delete") and \
            verb.startswith(("delete", "purge")):  # not `remove-...`: a part of it, not it and its data
        a.emit("infra.azure-delete-data", cmd, target=what, effect=verb, environment=env)
    else:
        _emit(a, cmd, "infra.azure-delete", target=what, effect=verb, env=env)


# --- hosting platforms: their knowledge is data (knowledge/clis/*.toml, read by clis.py) -------------
# What stays here are the mechanisms those files name: commands that run a remote or wrapped shell.

_HEROKU_RUN_VALUE = frozenset({"-a", "--app", "-r", "--remote", "-s", "--size", "-e", "--env", "--type"})
_HEROKU_RUN_FLAGS = frozenset({"-x", "--exit-code", "--no-tty", "--no-notify"})


def _heroku_run(a, cmd, scope, tool, flags, values, ops):
    """heroku run CMD: heroku joins the words and runs them with the dyno's shell."""
    app = _opt(values, "-a", "--app")
    word = next(x for x in cmd.args if x.split(":", 1)[0] == "run")
    after = cmd.args[cmd.args.index(word) + 1:]
    if "--" in after:
        inner = after[after.index("--") + 1:]
    else:  # heroku reads its own options anywhere on the line: `heroku run env -a shop`
        inner, skip = [], False
        for x in after:
            if skip:
                skip = False
            elif x in _HEROKU_RUN_VALUE:
                skip = True
            elif not (x.split("=", 1)[0] in _HEROKU_RUN_VALUE or x in _HEROKU_RUN_FLAGS):
                inner.append(x)
    if inner:
        a.nested_shell(" ".join(inner), cmd, scope, remote=f"heroku:{_show(app) if app else 'app'}")


def _fly_ssh(a, cmd, scope, tool, flags, values, ops):
    """fly ssh console -C 'printenv': runs on the app's machine."""
    app = _opt(values, "-a", "--app")
    remote = _opt(values, "-C", "--command")
    if remote:
        a.nested_shell(remote, cmd, scope, remote=f"fly:{_show(app) if app else 'app'}")


def _railway_run(a, cmd, scope, tool, flags, values, ops):
    """railway run CMD: the command runs here, with the environment's variables."""
    i = cmd.args.index("run")
    _, inner = _first_cmd(cmd.args[i + 1:], with_arg="es", long_with_arg=("--environment", "--service"))
    if inner:
        a.dispatch(cmd.derive(list(inner)), scope)


#: The mechanisms a knowledge file may name with ``effect = "runs-command"``.
MECHANISMS = {"heroku-run": _heroku_run, "fly-ssh": _fly_ssh, "railway-run": _railway_run}


def _register_knowledge():
    from . import clis

    for name in clis.index():
        HANDLERS.setdefault(name, clis.handler)


_register_knowledge()


# --- GitHub CLI ---------------------------------------------------------------------------------------

_GH_DELETE_GROUPS = frozenset({"issue", "gist", "secret", "variable", "label", "ssh-key", "gpg-key", "codespace",
                               "project", "ruleset", "environment", "extension", "alias"})


@handles("gh")
def gh(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="XfFHqtpRbe", long_with_arg=(
        "--method", "--field", "--raw-field", "--header", "--input", "--jq", "--template", "--hostname",
        "--preview", "--cache", "--repo", "--env", "--body", "--org", "--visibility", "--app", "--repos"))
    if not ops or "--help" in f or "-h" in f:
        return
    grp, verb = ops[0], ops[1] if len(ops) > 1 else ""
    grp = {"cs": "codespace"}.get(grp, grp)
    repo = _opt(v, "-R", "--repo")
    if (grp, verb) in (("gist", "create"), ("gist", "new"), ("release", "upload"), ("release", "create")):
        files = ops[2:] if grp == "gist" else ops[3:]  # release upload TAG FILES / create TAG FILES
        for x in files:
            check_sent(a, cmd, x.split("#", 1)[0], scope)  # FILE#label
        if grp == "release" and verb == "create" and not ("-d" in f or "--draft" in f):
            # a published release: its tag, notes and files go out to everyone who watches or downloads
            a.emit("publish.release", cmd, target="GitHub release " + " ".join(_show(x) for x in ops[2:3]) +
                   (f" of {_show(repo)}" if repo else ""), effect="publish")
        return
    if grp in ("issue", "pr", "discussion") and verb in _GH_PUBLIC_WRITES and repo and U not in repo:
        _gh_other_repo(a, cmd, scope, grp, verb, repo)
    if grp == "repo" and verb == "delete":
        a.emit("infra.github-repo-delete", cmd, target=_show(ops[2]) if len(ops) > 2 else _show(repo or "this repo"),
               effect="delete")
    elif grp == "repo" and (verb == "archive" or (verb == "deploy-key" and ops[2:3] == ["delete"])):
        a.emit("infra.github-delete", cmd, target=_show(ops[2]) if len(ops) > 2 else _show(repo or "this repo"),
               effect=verb)
    elif grp == "release" and verb in ("delete", "delete-asset"):
        a.emit("infra.github-delete", cmd, target="release " + " ".join(_show(x) for x in ops[2:]),
               effect="delete", note="--cleanup-tag also deletes the tag" if "--cleanup-tag" in f else None)
    elif grp == "secret" and verb == "set":  # the old value cannot be read back: it is lost (a variable's can)
        a.emit("infra.secret-overwrite", cmd, target=f"{grp} " + " ".join(_show(x) for x in ops[2:3]), effect="overwrite")
    elif grp in _GH_DELETE_GROUPS and verb in ("delete", "remove", "rm"):
        a.emit("infra.github-delete", cmd, target=f"{grp} " + " ".join(_show(x) for x in ops[2:]), effect="delete")
    elif grp == "api" and len(ops) > 1:
        _gh_api(a, cmd, f, v, ops[1])
    elif grp in ("secret", "variable") and verb == "set":
        # a repository's (or an environment's, an organization's) Actions secret or variable written over: every
        # workflow that reads it gets the new value; weighed by the environment it names (`--env production`)
        where = _opt(v, "-e", "--env")
        _emit(a, cmd, "infra.config-change", target=f"GitHub {grp} " + " ".join(_show(x) for x in ops[2:3]) +
              (f" of {_show(repo)}" if repo else ""), effect="set",
              env=_first_env(a, [("cloud_project", where)]) if where else None)
    elif grp == "repo" and verb == "edit":
        # `gh repo edit --visibility public`: the same change as `PATCH /repos/o/r {"visibility": …}`, judged by the
        # HTTP catalogue (the repository named, or the checkout's own)
        vis = next((x.split("=", 1)[1] if "=" in x else (cmd.args[i + 1] if i + 1 < len(cmd.args) else "")
                    for i, x in enumerate(cmd.args) if x == "--visibility" or x.startswith("--visibility=")), None)
        if vis:
            import json as _json

            from .. import http as H

            name = ops[2] if len(ops) > 2 else (repo or "OWNER/REPO")
            H.emit_request(a, cmd, H.Request("PATCH", "https://api.github.com/repos/" + name.strip("/"),
                                             _json.dumps({"visibility": vis})))


_GH_PUBLIC_WRITES = frozenset({"create", "new", "comment", "review", "edit", "close", "reopen", "lock"})


def _gh_other_repo(a, cmd, scope, grp, verb, repo):
    """``gh issue create --repo OWNER/NAME``: text published under the user's name on a repository that is
    not one of this project's remotes (someone else's project) asks; on the project's own repository
    (origin, upstream, a fork's parent the checkout names) it is ordinary work."""
    from .git import remote_repos

    name = "/".join(repo.rstrip("/").removesuffix(".git").split("/")[-2:]).lower()
    if name in remote_repos(a._scope_ctx(scope).cwd):
        return
    a.emit("publish.other-repo", cmd, target=f"{grp} {verb} on {_show(repo)}", effect="publish")


def _gh_api(a, cmd, f, v, endpoint):
    method = (_opt(v, "-X", "--method") or "").upper()
    ep = endpoint.strip("/")
    if method == "DELETE":
        if _re("gh-repo", r"^repos/[^/]+/[^/]+$").match(ep):
            a.emit("infra.github-repo-delete", cmd, target=_show(ep[6:]), effect="delete")
        else:
            a.emit("infra.github-delete", cmd, target=_show(ep), effect="delete")
        return
    if ep == "graphql":
        q = " ".join(cmd.args)
        if "mutation" in q:
            m = _re("gh-mutation", r"\b(delete|remove|archive|transfer)\w*").search(q)
            if m and _re("gh-repo-mutation", r"\bdeleteRepository\b").search(q):
                a.emit("infra.github-repo-delete", cmd, target="graphql deleteRepository", effect="delete")
            elif m:
                a.emit("infra.github-delete", cmd, target=f"graphql {m.group(0)}", effect="delete")
        return
    if method in ("PUT", "PATCH", "POST") or any(x in f for x in ("-f", "-F", "--field", "--raw-field", "--input")):
        _gh_api_request(a, cmd, v, method, ep)


def _gh_api_request(a, cmd, v, method, ep):
    """`gh api -X PUT repos/o/r/branches/main/protection --input - <<< '{…}'` (or -f/-F fields): the request it
    sends, judged by the HTTP catalogue like the same request sent by curl."""
    import json as _json

    from .. import http as H

    body = None
    src = _opt(v, "--input")
    if src == "-" and cmd.stdin and cmd.stdin[0] == "text":
        body = cmd.stdin[1]
    elif src and src != "-" and U not in src:
        body = a.read_file(P.resolve(src, a.pctx))
    if body is None:
        fields = {}
        args = cmd.args
        for i, x in enumerate(args[:-1]):
            if x in ("-f", "-F", "--field", "--raw-field") and "=" in args[i + 1]:
                k, _, val = args[i + 1].partition("=")
                fields[k] = True if val == "true" and x in ("-F", "--field") else val
        body = _json.dumps(fields) if fields else None
    H.emit_request(a, cmd, H.Request(method or ("POST" if body else "GET"), "https://api.github.com/" + ep, body))


# --- volumes and disks on this machine ------------------------------------------------------------------

@handles("blkdiscard", "lvremove", "vgremove", "pvremove")
def volume_remove(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="olpS", long_with_arg=("--offset", "--length", "--step",
                                                                      "--config", "--select", "--devices"))
    if not ops or {"--help", "-h", "-t", "--test", "--version", "-V"} & f:
        return
    a.emit("infra.disk-destroy", cmd, target=" ".join(_show(x) for x in ops), effect=cmd.name)


@handles("lvm")
def lvm(a, cmd, scope):
    if cmd.args and cmd.args[0] in ("lvremove", "vgremove", "pvremove"):
        volume_remove(a, cmd.derive(list(cmd.args)), scope)


@handles("zpool", "zfs")
def zfs(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="o")
    if not ops:
        return
    if ops[0] == "destroy" and "-n" not in f and not any(x.startswith("-") and "n" in x[1:] and not
                                                         x.startswith("--") for x in cmd.args):
        a.emit("infra.disk-destroy", cmd, target=" ".join(_show(x) for x in ops[1:]) or None,
               effect=f"{cmd.name} destroy")
    elif cmd.name == "zpool" and ops[0] == "labelclear":
        a.emit("infra.disk-destroy", cmd, target=" ".join(_show(x) for x in ops[1:]) or None, effect="labelclear")


@handles("cryptsetup")
def cryptsetup(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="cdhsSkKbqtT", long_with_arg=(
        "--cipher", "--key-file", "--hash", "--key-size", "--key-slot", "--type", "--header", "--pbkdf",
        "--label", "--subsystem", "--uuid", "--sector-size", "--iter-time", "--offset", "--skip"))
    if ops and ops[0] in ("luksErase", "erase", "luksFormat") and "--help" not in f:
        a.emit("infra.disk-destroy", cmd, target=" ".join(_show(x) for x in ops[1:]) or None, effect=ops[0])


@handles("mdadm")
def mdadm(a, cmd, scope):
    if "--zero-superblock" in cmd.args:
        a.emit("infra.disk-destroy", cmd, target=" ".join(_show(x) for x in _ops(cmd.args)) or None,
               effect="zero-superblock")
    elif {"--stop", "-S"} & set(cmd.args):
        _emit(a, cmd, "infra.outage", target=" ".join(_show(x) for x in _ops(cmd.args)) or None, effect="stop",
              note="the array stops: what is on it becomes unavailable")
    elif {"--remove", "--fail", "-r", "-f"} & set(cmd.args) and len(_ops(cmd.args)) >= 2:
        _emit(a, cmd, "infra.cli-delete", target=" ".join(_show(x) for x in _ops(cmd.args)), effect="remove",
              note="a disk leaves the array, which runs degraded")


# --- network, services, packages --------------------------------------------------------------------

def _abbrev(word, full, shortest=1):
    return len(word) >= shortest and full.startswith(word)


@handles("ip")
def ip(a, cmd, scope):
    args = list(cmd.args)
    while args and args[0].startswith("-"):
        x = args.pop(0)
        if x in ("-n", "-netns", "-b", "-batch", "-rc", "-rcvbuf", "-l", "-loops", "-f", "-family") and args:
            args.pop(0)
    if not args:
        return
    obj, rest = args[0], args[1:]
    verb = rest[0] if rest else ""
    if _abbrev(obj, "netns", 2) and verb == "exec" and len(rest) > 2:
        a.dispatch(cmd.derive(list(rest[2:])), scope)
        return
    if _abbrev(obj, "link"):
        if _abbrev(verb, "set") and "down" in rest:
            dev = next((x for x in rest[1:] if x not in ("dev", "down")), None)
            _net_down(a, cmd, dev, "down")
        elif verb and (_abbrev(verb, "delete", 1) or verb == "del"):  # ip's prefixes: `ip l d eth0`
            dev = next((x for x in rest[1:] if x != "dev"), None)
            _net_down(a, cmd, dev, "delete")
    elif _abbrev(obj, "address") or _abbrev(obj, "route") or obj in ("r", "ro"):
        if verb and _abbrev(verb, "flush", 1):
            _net_down(a, cmd, " ".join(rest[1:]) or None, "flush")
        elif obj[0] == "r" and verb in ("del", "delete", "d") and "default" in rest:
            _net_down(a, cmd, "default route", "delete")
        elif obj[0] == "r" and verb in ("del", "delete", "d") and len(rest) > 1:
            _net_down(a, cmd, "route " + " ".join(rest[1:]), "delete")
        elif obj[0] == "a" and verb and (_abbrev(verb, "delete", 1) or verb == "del") and len(rest) > 1:
            _net_down(a, cmd, " ".join(rest[1:]), "delete")
    elif _abbrev(obj, "rule", 2) and verb and (_abbrev(verb, "flush", 1) or _abbrev(verb, "delete", 1)):
        _net_down(a, cmd, "policy routing rules " + " ".join(rest[1:]), "flush" if verb[0] == "f" else "delete")
    elif _abbrev(obj, "neighbour") or _abbrev(obj, "neighbor"):
        if verb and (_abbrev(verb, "flush", 1) or _abbrev(verb, "delete", 1) or verb == "del") and len(rest) > 1:
            a.emit("sys.config-remove", cmd, target="neighbour entries " + " ".join(rest[1:]), effect="delete")
    elif _abbrev(obj, "tuntap", 3) and verb and (_abbrev(verb, "delete", 1) or verb == "del"):
        _net_down(a, cmd, " ".join(x for x in rest[1:] if x not in ("dev", "d", "mode", "m")) or None, "delete")


def _net_down(a, cmd, dev, effect):
    if dev in ("lo",):
        return
    a.emit("infra.net-down", cmd, target=_show(dev) if dev else None, effect=effect)


@handles("ifconfig")
def ifconfig(a, cmd, scope):
    ops = _ops(cmd.args)
    if len(ops) >= 2 and ops[-1] == "down" and ops[0] != "lo":
        _net_down(a, cmd, ops[0], "down")


@handles("ifdown")
def ifdown(a, cmd, scope):
    f, v, ops = split_opts(cmd.args, with_arg="iX", long_with_arg=("--interfaces", "--exclude"))
    if "--no-act" in f or "-n" in f or "--help" in f:
        return
    if ops or "-a" in f or "--all" in f:
        _net_down(a, cmd, " ".join(ops) or "every interface", "down")


@handles("launchctl")
def launchctl(a, cmd, scope):
    ops = _ops(cmd.args)
    if ops and ops[0] in ("load", "bootstrap", "enable") and not a.remote:
        from .programs import _enabled_unit  # the agent's commands run from now on (at every login)

        _enabled_unit(a, cmd, scope, [x for x in ops[1:] if x.endswith(".plist")], user=True)
    if ops and ops[0] in ("unload", "bootout", "remove", "disable"):
        a.emit("infra.launchd-unload", cmd, target=" ".join(_show(x) for x in ops[1:]) or None, effect=ops[0])
    elif ops and ops[0] in ("stop", "kill") and len(ops) > 1:
        a.emit("sys.service-stop", cmd, target=" ".join(_show(x) for x in ops[1:]), effect=ops[0])


@handles("brew")
def brew(a, cmd, scope):
    ops = _ops(cmd.args)
    if ops[:1] == ["services"] and len(ops) > 2 and ops[1] in ("stop", "kill"):
        # a service Homebrew runs under launchd (a database, a web server): stopped and unregistered
        a.emit("sys.service-stop", cmd, target=" ".join(_show(x) for x in ops[2:]), effect=ops[1])
        return
    from . import packages  # uninstall/remove/rm: knowledge/packages.toml

    packages.judge(a, cmd, scope)


# --- handing over to the databases module for CLIs both know ----------------------------------------------

def _with_databases(fn):
    def handler(a, cmd, scope):
        fn(a, cmd, scope)
        from ... import rules_db

        if cmd.name in rules_db.PROGRAMS:
            from . import databases

            other = databases.HANDLERS.get(cmd.name)
            if other is not None:
                other(a, cmd, scope)
    return handler


HANDLERS.update({k: _with_databases(fn) for k, fn in list(HANDLERS.items())})


# --- access widened or a safeguard turned off: one reader over the cloud CLIs (shell/exposure.py) ------------

def _with_exposure(fn):
    def handler(a, cmd, scope):
        fn(a, cmd, scope)
        from . import exposure

        exposure.judge(a, cmd, scope)
    return handler


def _register_exposure():
    from . import exposure

    from . import clis

    try:
        names = exposure._model().programs
    except clis.KnowledgeError:  # a broken file: the main cloud CLIs still reach judge(), which fails closed on it
        names = ("aws", "gcloud", "az", "gsutil")
    for name in names:  # (a program with a knowledge file, or none, is read from clis.handler)
        if name in HANDLERS and name not in clis.index():
            HANDLERS[name] = _with_exposure(HANDLERS[name])


_register_exposure()
