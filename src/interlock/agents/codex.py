"""OpenAI Codex ``PreToolUse`` hook: ``interlock hook codex``.

Claude-Code-shaped JSON, but Codex treats ``ask`` as a failed hook and runs the tool,
so every non-allow decision is a ``deny`` whose reason says how a human can let it
through.  ``apply_patch`` (matcher aliases Edit/Write) carries the patch text in
``tool_input.command``: the files it adds, updates, moves or deletes are judged.

OpenAI Codex: what makes its hook actually run, and how to drive it with a scripted model.

Codex skips a hook *silently* — and runs the command — unless two entries in the user's
``$CODEX_HOME/config.toml`` say otherwise (observed with codex-cli 0.171):

* the project is trusted: ``[projects."<root>"] trust_level = "trusted"`` (until then Codex
  ignores the project's ``.codex/`` entirely: hooks.json, rules and config);
* the hook is trusted: ``[hooks.state."<hooks.json path>:pre_tool_use:<group>:<handler>"]``
  ``trusted_hash = "sha256:…"``, the hash of the hook's normalized identity.  Changing the
  handler (its command, timeout, matcher, status message) changes the hash, and the hook is
  skipped again until re-trusted.

Codex computes that hash (codex-rs ``hooks/src/engine/discovery.rs`` ``hook_hash`` and
``config/src/fingerprint.rs`` ``version_for_toml``) as the SHA-256 of compact JSON with sorted keys
of ``{"event_name": "pre_tool_use", "matcher": M, "hooks": [{"type": "command", "command": C,
"timeout": T, "async": false, "statusMessage": S}]}`` (absent optional fields left out, the timeout
defaulting to 600).  ``hook_hash`` below does the same; tests/agents/ check it against the hash
``codex app-server``'s ``hooks/list`` reports, and that the real binary then runs the hook.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

from . import APPROVAL_MARGIN_S, CRASH_MESSAGE, Install, TextFile
from ..actions import FILE_WRITE, MCP_CALL, SHELL, Action
from ..adapters import BadPayload, Event, approval_message, dict_field, opt_str, str_field, summarize

# --- the hook: the agent's payload → Action, a Decision → its reply (``interlock hook codex``) ---

_PATCH_FILE = re.compile(r"^\*\*\* (Add File|Update File|Delete File|Move to): (.+?)\s*$", re.M)


def parse(payload: dict, env) -> Event:
    name = payload.get("hook_event_name", "PreToolUse")
    if name != "PreToolUse":
        raise BadPayload(f"unsupported Codex hook event {name!r}: register interlock for PreToolUse")
    tool = str_field(payload, "tool_name")
    cwd = opt_str(payload, "cwd") or os.getcwd()
    common = dict(agent="codex", session=opt_str(payload, "session_id"), cwd=cwd, tool=tool)
    ti = payload.get("tool_input")
    if tool in ("Bash", "shell", "local_shell", "exec_command"):
        ti = dict_field(payload, "tool_input")
        cmd = ti.get("command")
        if isinstance(cmd, list):  # some Codex versions send argv
            import shlex

            cmd = shlex.join(str(c) for c in cmd)
        if not isinstance(cmd, str):
            raise BadPayload("tool_input.command must be a string")
        wd = ti.get("workdir", ti.get("cwd"))  # Codex's shell tools run in `workdir` when they are given one
        if wd is not None:
            if not isinstance(wd, str):
                raise BadPayload("tool_input.workdir must be a string")
            if wd:
                common["cwd"] = wd if wd.startswith("/") else os.path.join(cwd, wd)
        return Event(Action(SHELL, {"command": cmd}, **common), name)
    if tool in ("apply_patch", "Edit", "Write"):
        ti = dict_field(payload, "tool_input")
        patch = ti.get("command") if isinstance(ti.get("command"), str) else ti.get("input")
        if not isinstance(patch, str):
            raise BadPayload("apply_patch without patch text")
        files = [(op, p) for op, p in _PATCH_FILE.findall(patch)]
        if not files:
            raise BadPayload("apply_patch: no file headers found in the patch")
        paths = [os.path.join(cwd, p) if not p.startswith("/") else p for op, p in files if op != "Delete File"]
        deletes = [os.path.join(cwd, p) if not p.startswith("/") else p for op, p in files if op == "Delete File"]
        added = [os.path.join(cwd, p) if not p.startswith("/") else p for op, p in files if op == "Add File"]
        payload2 = {"path": (paths or deletes)[0], "paths": paths, "deletes": deletes, "content": patch,
                    "contents": _added_text(patch, cwd), "whole": added}  # an Add File replaces what was there
        return Event(Action(FILE_WRITE, payload2, **common), name)
    if tool.startswith("mcp__"):
        parts = tool.split("__")
        return Event(Action(MCP_CALL, {"server": parts[1] if len(parts) > 2 else "",
                                       "tool": "__".join(parts[2:]) if len(parts) > 2 else tool[5:],
                                       "arguments": ti if isinstance(ti, dict) else {}}, **common), name)
    raise BadPayload(f"unknown tool {tool!r}: Interlock does not know what it does")


def _added_text(patch: str, cwd: str) -> dict:
    """{absolute path: the lines the patch adds to it}: a whole new file for `Add File`, the added lines of an
    `Update File` (under its `Move to` name when it has one).  What lands in a file that runs later (a shell
    start-up file, a git hook, a git configuration) is judged as what it runs (analysis.files)."""
    out, cur = {}, None
    for line in patch.split("\n"):
        m = _PATCH_FILE.match(line)
        if m:
            op, p = m.group(1), m.group(2)
            p = p if p.startswith("/") else os.path.join(cwd, p)
            if op == "Move to" and cur is not None:
                out[p] = out.pop(cur, "")
            cur = None if op == "Delete File" else p
            if cur is not None:
                out.setdefault(cur, "")
            continue
        if line.startswith("*** "):
            continue
        if cur is not None and line.startswith("+"):
            out[cur] += line[1:] + "\n"
    return out


def _deny(reason: str) -> str:
    return json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                              "permissionDecisionReason": reason[:9500]}}, ensure_ascii=False)


def render(decision, event, ctx) -> str:
    if decision is None or decision.decision == "allow":
        return ""
    body = summarize(decision)
    ap = approval_message(decision, event, body)
    if ap:
        return _deny(ap[1])
    if decision.decision == "ask":
        return _deny(f"Interlock: this needs a human's approval ({decision.severity}), and Codex cannot ask in a "
                     f"hook.\n{body}\nStop and tell the user exactly what you want to run and why; they can run it "
                     "themselves or allow it in the Interlock policy. Do not retry a variant.")
    return _deny(f"Interlock blocked this ({decision.severity}).\n{body}\nDo not retry this or a variant of it. "
                 "If it is really needed, tell the user what you wanted to do and why.")


def emergency(message: str) -> str:
    return _deny(f"Interlock failed and blocks by default: {message[:500]}")


# --- the agent itself: what makes its hook run, how to drive its binary ------------------------------

EVENT_LABELS = {"PreToolUse": "pre_tool_use", "PostToolUse": "post_tool_use",
                "PermissionRequest": "permission_request"}


def codex_home(env=os.environ, home=None) -> str:
    return env.get("CODEX_HOME") or os.path.join(home or env.get("HOME") or os.path.expanduser("~"), ".codex")


def config_path(env=os.environ, home=None) -> str:
    return os.path.join(codex_home(env, home), "config.toml")


def hook_hash(event: str, matcher, handler: dict) -> str:
    """The ``trusted_hash`` Codex expects for one command handler of one matcher group."""
    h = {"type": "command", "command": handler.get("command", ""),
         "timeout": int(handler.get("timeout") or handler.get("timeoutSec") or 600), "async": bool(handler.get("async"))}
    if handler.get("statusMessage") is not None:
        h["statusMessage"] = handler["statusMessage"]
    identity = {"event_name": EVENT_LABELS.get(event, event), "hooks": [h]}
    if matcher is not None:
        identity["matcher"] = matcher
    raw = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def our_hooks(hooks_path: str, only=None) -> list[tuple[str, str]]:
    """[(state key, trusted hash)] for Interlock's handlers in a hooks.json (with ``only``: just the
    handlers whose command is exactly that, the one ``interlock init`` writes)."""
    from .settings import is_ours as _is_ours

    try:
        with open(hooks_path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return []
    out = []
    hooks = data.get("hooks") if isinstance(data, dict) else None
    for event, groups in (hooks or {}).items() if isinstance(hooks, dict) else ():
        if event not in EVENT_LABELS or not isinstance(groups, list):
            continue
        for gi, g in enumerate(groups):
            if not isinstance(g, dict):
                continue
            for hi, h in enumerate(g.get("hooks") or ()):
                if isinstance(h, dict) and h.get("type", "command") == "command" and _is_ours(h.get("command", "")) \
                        and (only is None or h.get("command") == only):
                    key = f"{os.path.abspath(hooks_path)}:{EVENT_LABELS[event]}:{gi}:{hi}"
                    out.append((key, hook_hash(event, g.get("matcher"), h)))
    return out


def _load_doc(path):
    import tomlkit

    try:
        with open(path) as f:
            return tomlkit.parse(f.read())
    except FileNotFoundError:
        return tomlkit.document()


def _table(parent, key):
    import tomlkit

    t = parent.get(key)
    if t is None:
        t = tomlkit.table(is_super_table=True) if key in ("projects", "hooks", "state") else tomlkit.table()
        parent[key] = t
    return t


def trust(hooks_path: str, project_root: str | None, env=os.environ, home=None, remove=False,
          record=None, only=None) -> tuple[str | None, dict]:
    """Write (or, with ``remove``, take back) the trust Codex needs to run Interlock's hook from
    ``hooks_path``.  Returns (the new config.toml text or None when unchanged, what was added).

    ``record``: what an earlier call added (only that is removed: a project the user trusted
    themselves stays trusted)."""
    import tomlkit

    path = config_path(env, home)
    doc = _load_doc(path)
    before = tomlkit.dumps(doc)
    added = {"hooks": [], "project": None}
    if remove:
        rec = record or {}
        state = (doc.get("hooks") or {}).get("state") or {}
        for key in rec.get("hooks") or ():
            if key in state:
                del state[key]
        if rec.get("project") and rec["project"] in (doc.get("projects") or {}):
            del doc["projects"][rec["project"]]
        for parent, key in ((doc.get("hooks"), "state"), (doc, "hooks"), (doc, "projects")):
            if parent is not None and key in parent and not parent[key]:
                del parent[key]
    else:
        if project_root:
            projects = _table(doc, "projects")
            entry = projects.get(project_root)
            if entry is None or entry.get("trust_level") != "trusted":
                if entry is None:
                    added["project"] = project_root
                    entry = tomlkit.table()
                    projects[project_root] = entry
                entry["trust_level"] = "trusted"
        state = _table(_table(doc, "hooks"), "state")
        current = our_hooks(hooks_path, only)
        still_ours = dict(our_hooks(hooks_path))
        for key in (record or {}).get("hooks") or ():
            if key in state and key not in still_ours:
                del state[key]  # what an earlier init trusted, no longer Interlock's handler (an edited one
                # keeps its entry: Codex compares the hash, so it is skipped until re-trusted either way)
        for key, digest in current:
            t = tomlkit.table()
            t["trusted_hash"] = digest
            state[key] = t
            added["hooks"].append(key)
    after = tomlkit.dumps(doc)
    return (None if after == before else after), added


def trust_problems(hooks_path: str, project_root: str | None, env=os.environ, home=None) -> list[str]:
    """Why Codex would skip Interlock's hook in ``hooks_path`` (empty: it runs)."""
    try:
        import tomllib

        with open(config_path(env, home), "rb") as f:
            cfg = tomllib.load(f)
    except FileNotFoundError:
        cfg = {}
    except (OSError, ValueError) as e:
        return [f"{config_path(env, home)} is unreadable ({type(e).__name__})"]
    problems = []
    if project_root:
        level = ((cfg.get("projects") or {}).get(project_root) or {}).get("trust_level")
        if level != "trusted":
            problems.append(f"the project {project_root} is not trusted in Codex's config.toml: Codex ignores its "
                            ".codex/ (hooks and rules) and runs every command unchecked")
    state = (cfg.get("hooks") or {}).get("state") or {}
    hooks = our_hooks(hooks_path)
    if not hooks:
        problems.append(f"no Interlock hook in {hooks_path}")
    for key, digest in hooks:
        s = state.get(key) or {}
        if s.get("enabled") is False:
            problems.append(f"Interlock's hook is disabled in Codex ({key})")
        elif s.get("trusted_hash") != digest:
            problems.append("Interlock's hook is not trusted by Codex" + (" (hooks.json changed since it was trusted)"
                                                                          if s.get("trusted_hash") else "") +
                            ": Codex skips it silently and runs the command")
    return problems


# --- driving the real binary with a scripted model (tests, bench, doctor --live) --------------------

def configure(home: str, model_url: str, env=None):
    """Point Codex (in this HOME) at the scripted model: a custom provider on the Responses API."""
    import tomlkit

    env = {"HOME": home} if env is None else env
    path = config_path(env, home)
    doc = _load_doc(path)
    doc["model"] = "scripted"
    doc["model_provider"] = "scripted"
    providers = _table(doc, "model_providers")
    p = tomlkit.table()
    p.update({"name": "scripted", "base_url": model_url + "/v1", "wire_api": "responses",
              "env_key": "INTERLOCK_SCRIPTED_KEY", "stream_max_retries": 0, "request_max_retries": 0})
    providers["scripted"] = p
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(tomlkit.dumps(doc))


def argv(binary: str, prompt: str) -> list[str]:
    return [binary, "exec", "--skip-git-repo-check", "-s", "danger-full-access", "--color", "never", prompt]


def env_vars(model_url: str) -> dict:
    return {"INTERLOCK_SCRIPTED_KEY": "scripted-not-a-key"}


def apply_trust(hooks_path: str, project_root: str | None, remove: bool, dry_run: bool, manifest: dict,
                env=os.environ, home=None) -> int:
    """``interlock init`` / ``uninstall``: trust (or stop trusting) Interlock's Codex hook in the
    user's config.toml, recording what was added in the manifest.  Returns 1 if it changed."""
    from ..install import _atomic_write, _diff, _short, interlock_command

    # only the exact handler init writes is trusted: an edited one ("… interlock hook codex" that does
    # something else) stays untrusted, and doctor says so
    only = f"{interlock_command()} hook codex || {FALLBACK}"
    records = manifest.setdefault("codex_trust", {})
    path = config_path(env, home)
    try:
        text, added = trust(hooks_path, project_root, env, home, remove=remove, record=records.get(hooks_path),
                            only=only)
    except Exception as e:  # a config.toml we cannot parse: say so, change nothing
        print(f"  codex        {path}: not changed ({type(e).__name__}: {e}); Codex will skip Interlock's hook "
              "until it is trusted: run `codex`, open /hooks and trust it")
        return 0
    home = home or os.path.expanduser("~")
    label = f"  codex        {_short(path, home)}"
    if text is None:
        if not remove:
            print(f"{label}: project and hook already trusted, no change")
        return 0
    if dry_run:
        old = None
        if os.path.exists(path):
            with open(path) as f:
                old = f.read()
        _diff(path, old, text)
        return 1
    existed = os.path.exists(path)
    if remove and not text.strip() and (records.get(hooks_path) or {}).get("created_config"):
        os.remove(path)  # init created it: nothing of the user's is in it
    else:
        _atomic_write(path, text)
    if remove:
        records.pop(hooks_path, None)
        print(f"{label}: removed the trust Interlock had added")
    else:
        prev = records.get(hooks_path) or {}
        records[hooks_path] = {"hooks": added["hooks"], "project": prev.get("project") or added["project"],
                               "created_config": prev.get("created_config", not existed)}
        what = ["the hook (trusted_hash)"] + (["the project"] if added["project"] else [])
        print(f"{label}: trusted {' and '.join(what)}: Codex skips untrusted hooks silently")
    return 1


def list_hooks(binary: str, cwd: str, env: dict, timeout=20) -> list[dict]:
    """The hooks Codex itself discovers for ``cwd``, with their ``currentHash`` and ``trustStatus``
    (``codex app-server``'s ``hooks/list``)."""
    import subprocess
    import threading

    p = subprocess.Popen([binary, "app-server"], cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"clientInfo": {"name": "interlock", "version": "1"}}},
                {"jsonrpc": "2.0", "method": "initialized"},
                {"jsonrpc": "2.0", "id": 2, "method": "hooks/list", "params": {"cwds": [cwd]}}]
        p.stdin.write("".join(json.dumps(m) + "\n" for m in msgs))
        p.stdin.flush()
        for line in p.stdout:
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if m.get("id") == 2:
                if "error" in m:
                    raise RuntimeError(f"codex app-server hooks/list: {m['error']}")
                return [h for d in m["result"]["data"] for h in d.get("hooks") or ()]
        raise RuntimeError("codex app-server ended without answering hooks/list")
    finally:
        timer.cancel()
        p.kill()
        p.wait()


def fail_open(root: str, home: str, env) -> list[tuple[str, str]]:
    """Settings that make Codex skip every hook (``[features] hooks = false`` or ``codex_hooks =
    false``, in the user's or the project's config.toml)."""
    import tomllib

    out = []
    for path in dict.fromkeys((config_path(env, home), os.path.join(root, ".codex", "config.toml"))):
        try:
            with open(path, "rb") as f:
                cfg = tomllib.load(f)
        except (OSError, ValueError):
            continue
        feats = cfg.get("features") if isinstance(cfg.get("features"), dict) else {}
        for k in ("hooks", "codex_hooks"):
            if feats.get(k) is False:
                out.append((path, f"[features] {k} = false: Codex runs no hook, Interlock's included"))
    return out


# --- installing: ``interlock init --agent codex`` --------------------------------------------------------

# Codex reads Claude Code's reply shape (exit 2 alone does not block its JSON hooks)
FALLBACK = ("echo '{\"hookSpecificOutput\": {\"hookEventName\": \"PreToolUse\", "
            "\"permissionDecision\": \"deny\", \"permissionDecisionReason\": "
            "\"" + CRASH_MESSAGE + "\"}}'")


def hooks(existing: dict, base_cmd: str, remove=False, redact_output=False) -> dict:
    from .settings import grouped

    return grouped("PreToolUse", "^(Bash|apply_patch|Edit|Write|mcp__.*)$",
                   lambda b: {"type": "command", "command": f"{b} hook codex || {FALLBACK}",
                              "timeout": HOOK_TIMEOUT_S,
                              "statusMessage": "Interlock"})(existing, base_cmd, remove=remove)


INSTALL = Install("codex", "OpenAI Codex", (".codex",), ("codex",), (".codex",),
                  ".codex/hooks.json", ".codex/hooks.json", hooks,
                  "Codex runs a hook only while its project and the hook are trusted (written to ~/.codex/config.toml; "
                  "re-run `interlock init` after editing .codex/hooks.json).")


# Codex rules (execpolicy, Starlark): a second layer under the PreToolUse hook.  They govern
# commands Codex would run outside its sandbox; `match`/`not_match` are checked by Codex itself
# when it loads the file (and by tests/test_init_detect.py against Interlock's own decisions).
RULES = (
    # (pattern, decision, why, match, not_match)
    (["rm", "-rf", "/"], "forbidden", "deletes the whole filesystem", ["rm -rf /", "rm -rf / --no-preserve-root"],
     ["rm -rf ./build"]),
    (["rm", "-rf", "~"], "forbidden", "deletes the home directory", ["rm -rf ~"], ["rm -rf ./node_modules"]),
    (["railway", "volume", "delete"], "forbidden", "deletes a Railway volume and the backups stored with it",
     ["railway volume delete"], ["railway volume list"]),
    (["git", "push", "--force"], "prompt", "rewrites a remote branch's history", ["git push --force origin main"],
     ["git push origin feature"]),
    (["git", "push", "-f"], "prompt", "rewrites a remote branch's history", ["git push -f origin main"],
     ["git push origin main"]),
    (["git", "reset", "--hard"], "prompt", "discards uncommitted work", ["git reset --hard HEAD~1"],
     ["git reset HEAD~1"]),
    (["terraform", "destroy"], "prompt", "destroys managed infrastructure", ["terraform destroy"],
     ["terraform plan"]),
    (["kubectl", "delete", "namespace"], "prompt", "deletes a namespace and everything in it",
     ["kubectl delete namespace prod"], ["kubectl get namespace"]),
    (["dropdb"], "prompt", "drops a PostgreSQL database", ["dropdb app"], ["createdb app"]),
)


def rules_text() -> str:
    out = ["# Written by `interlock init`; `interlock uninstall` deletes this file.",
           "# A second layer under Interlock's PreToolUse hook (see ../hooks.json): Codex applies these",
           "# itself to commands it would run outside the sandbox, even if the hook is not trusted yet.", ""]
    for pattern, decision, why, match, not_match in RULES:
        out += ["prefix_rule(",
                f"    pattern = {json.dumps(pattern)},",
                f"    decision = {json.dumps(decision)},",
                f"    justification = {json.dumps('Interlock: ' + why)},",
                f"    match = {json.dumps(match)},",
                f"    not_match = {json.dumps(not_match)},",
                ")", ""]
    return "\n".join(out)


# --- doctor: a probe in this agent's terms --------------------------------------------------------------

def doctor_payload(command: str, root: str) -> dict:
    from .claude_code import doctor_payload  # Codex sends Claude Code's payload shape

    return doctor_payload(command, root)


def doctor_verdict(returncode: int, stdout: str) -> str:
    from .claude_code import doctor_verdict  # and reads Claude Code's reply shape

    return doctor_verdict(returncode, stdout)


# --- approvals: how long its hook may wait for a human, and whether the agent shows an ``ask`` -----

#: the hook's timeout init registers (part of the trusted hash), and the approval wait under it: Codex kills
#: a hook at its timeout and runs the command (measured: wait_seconds = 60 with the old 540 s cap ran
#: `git reset --hard` after 30 s)
HOOK_TIMEOUT_S = 30
APPROVAL_WAIT_CAP_S = HOOK_TIMEOUT_S - APPROVAL_MARGIN_S


def install_files(root, home, user, remove, read_text=None, short=None):
    """(files, lines to say) for ``interlock init``/``uninstall``: the hooks and, beside them, the rules."""
    path = INSTALL.settings_path(root, home, user)
    return [(path, hooks), (os.path.join(os.path.dirname(path), "rules", "interlock.rules"), RULES_FILE)], []


RULES_FILE = TextFile(lambda: rules_text(), "Codex rules (forbidden/prompt prefix rules, a second layer)",
                      "Codex rules")


def after_install(root, home, user, remove, dry_run, manifest) -> int:
    """Codex runs a project's hooks only once the project and the hook are trusted."""
    return apply_trust(INSTALL.settings_path(root, home, user), None if user else root, remove, dry_run, manifest,
                       home=home)


# --- doctor: its own checks ------------------------------------------------------------------------------

def doctor_hook(add, path, root, home, env, noted):
    """Interlock's Codex hook answered: are the project and the hook trusted (else Codex skips it)?"""
    user_level = path == INSTALL.settings_path(root, home, True)
    problems = trust_problems(path, None if user_level else root, env, home)
    add("FAIL" if problems else "ok", "codex: " + ("; ".join(problems) if problems else
                                                  "the project and Interlock's hook are trusted"),
        config_path(env, home),
        "interlock init --agent codex   (writes the trust Codex needs; or trust them in Codex: /hooks)")

