"""One interpreter for tool knowledge kept as data (``interlock/knowledge``).

``knowledge/clis/<tool>.toml`` describes one command-line tool: its names, which options take a
value, its sub-command paths (``apps:destroy`` and ``apps destroy`` alike) and what each does
(effect, rule, target, environment, conditions on flags), with examples checked by the tests.
``knowledge/generic.toml`` is the verb model for a tool without a file: a destructive verb among
its first words (``openstack server delete web-1``, ``crane delete img``) asks, naming verb and
target.  Files load lazily (only the one for the program being judged) and are cached.

A file that does not validate never means allow: the command it describes is asked, with the
reason (``interlock.error``); the tests load every file and fail on the first schema error.
"""

from __future__ import annotations

import os
import re

from ...knowledge import _MODELS, KnowledgeError, model, trip  # noqa: F401  (the one loader; re-exported)
from ..paths import UNKNOWN_MARK as U

DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "knowledge")
CLIS = os.path.join(DIR, "clis")

#: Effects a command entry may name.  "runs-command" hands the rest of the line to a mechanism in
#: code (a remote shell); "none" says the path is known and does nothing worth a finding.
EFFECTS = frozenset({"read", "write", "delete", "destroy", "deploy", "scale", "stop", "restart", "outage",
                     "overwrite", "reset", "forget", "revoke", "print-credential", "runs-command", "none",
                     "uninstall", "disable", "detach", "archive", "configure-agent", "run-unchecked", "grant"})

#: The kinds ``analyzer.environment_of`` (the policy's [environments]) knows.
ENV_KINDS = frozenset({"host", "database", "kube_context", "cloud_project", "cloud_account", "railway_environment",
                       "url", "namespace"})

_PROGRAM_KEYS = {"names", "summary", "separator", "value_options", "skip", "aliases", "env", "commands",
                 "examples", "generic", "generic_rule", "label", "handled_elsewhere"}
_COMMAND_KEYS = {"path", "effect", "rule", "target", "label", "when_flags", "unless_flags", "when_options",
                 "when_operand", "env", "note", "mechanism", "name_env", "command", "capacity", "when_last",
                 "when_env", "cost"}
_ENV_KEYS = {"kind", "from"}
_EXAMPLE_KEYS = {"cmd", "rule", "note"}


# --- loading ----------------------------------------------------------------------------------

_index = None          # program name -> file path
_loaded = {}           # file path -> Tool (or KnowledgeError)
_NAMES_RE = re.compile(r'(?m)^names\s*=\s*\[([^\]]*)\]')


def index():
    """Program name → knowledge file.  Only each file's ``names = [...]`` line is read here."""
    global _index
    if _index is None:
        idx = {}
        try:
            files = sorted(f for f in os.listdir(CLIS) if f.endswith(".toml"))
        except OSError:
            files = []
        for f in files:
            path = os.path.join(CLIS, f)
            try:
                with open(path, encoding="utf-8") as fh:
                    m = _NAMES_RE.search(fh.read(4096))
            except OSError:
                m = None
            names = re.findall(r'"([^"]+)"', m.group(1)) if m else []
            for n in names or [f[:-5]]:
                idx.setdefault(n, path)
        _index = idx
    return _index


def tool_for(name):
    """The Tool for a program name, or None; a broken file raises KnowledgeError."""
    path = index().get(name)
    if path is None:
        return None
    t = _loaded.get(path)
    if t is None:
        try:
            t = load_file(path)
        except KnowledgeError as e:
            t = e
        _loaded[path] = t
    if isinstance(t, KnowledgeError):
        raise trip(t)
    return t


def load_file(path):
    import tomllib

    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise KnowledgeError(f"{os.path.basename(path)}: {e}") from None
    return Tool(raw, os.path.basename(path))


def _strs(where, key, v):
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise KnowledgeError(f"{where}: {key} must be a string or a list of strings")
    return v


def _env_sources(where, raw):
    if raw is None:
        return []
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise KnowledgeError(f"{where}: env must be a table or a list of tables")
    out = []
    for e in raw:
        if not isinstance(e, dict) or set(e) - _ENV_KEYS or "kind" not in e or "from" not in e:
            raise KnowledgeError(f"{where}: each env needs kind and from (and nothing else)")
        if e["kind"] not in ENV_KINDS:
            raise KnowledgeError(f"{where}: env kind {e['kind']!r} is not one of {sorted(ENV_KINDS)}")
        out.append((str(e["kind"]), _strs(where, "env.from", e["from"])))
    return out


class Command:
    __slots__ = ("paths", "effect", "rule", "target", "label", "when_flags", "unless_flags", "when_options",
                 "when_operand", "env", "note", "mechanism", "name_env", "command", "capacity", "when_last",
                 "when_env", "cost")

    def __init__(self, raw, where, rules, sep):
        bad = set(raw) - _COMMAND_KEYS
        if bad:
            raise KnowledgeError(f"{where}: unknown keys {sorted(bad)}")
        if "path" not in raw or "effect" not in raw:
            raise KnowledgeError(f"{where}: path and effect are required")
        self.paths = [() if p.strip() == "." else  # "." : the program itself, no sub-command
                      tuple(frozenset(w.split("|")) for w in
                            re.split(r"[\s" + re.escape(sep) + "]+" if sep else r"\s+", p.strip()) if w)
                      for p in _strs(where, "path", raw["path"])]
        if not all(p or q.strip() == "." for p, q in zip(self.paths, _strs(where, "path", raw["path"]))):
            raise KnowledgeError(f"{where}: an empty path")
        self.effect = raw["effect"]
        if self.effect not in EFFECTS:
            raise KnowledgeError(f"{where}: effect {self.effect!r} is not one of {sorted(EFFECTS)}")
        self.rule = raw.get("rule")
        if self.effect not in ("runs-command", "none", "read") and not self.rule:
            raise KnowledgeError(f"{where}: effect {self.effect} needs a rule")
        if self.rule is not None and self.rule not in rules:
            raise KnowledgeError(f"{where}: rule {self.rule!r} is not in the catalogue")
        self.mechanism = raw.get("mechanism")
        # where the command line a remote-shell runner runs is: an option's value, $1/$2, or $* (the rest)
        self.command = _strs(where, "command", raw.get("command", []))
        if self.effect == "runs-command":
            from .infra import MECHANISMS

            if self.mechanism == "remote-shell":
                if not self.command:
                    raise KnowledgeError(f"{where}: the remote-shell mechanism needs `command` (where the line is)")
            elif self.mechanism not in MECHANISMS:
                raise KnowledgeError(f"{where}: runs-command needs a mechanism, one of "
                                     f"{sorted(MECHANISMS) + ['remote-shell']}")
        self.target = _strs(where, "target", raw.get("target", "$*"))
        self.label = str(raw.get("label", ""))
        self.when_flags = frozenset(_strs(where, "when_flags", raw.get("when_flags", [])))
        self.unless_flags = frozenset(_strs(where, "unless_flags", raw.get("unless_flags", [])))
        wo = raw.get("when_options", {})
        if not isinstance(wo, dict):
            raise KnowledgeError(f"{where}: when_options must be a table of option = value regex")
        self.when_options = {k: re.compile(str(v)) for k, v in wo.items()}
        op = raw.get("when_operand")
        try:
            self.when_operand = re.compile(op) if op else None
        except re.error as e:
            raise KnowledgeError(f"{where}: when_operand: {e}") from None
        last = raw.get("when_last")  # the last operand (a copy's destination: `skopeo copy SRC docker://DST`)
        try:
            self.when_last = re.compile(last) if last else None
        except re.error as e:
            raise KnowledgeError(f"{where}: when_last: {e}") from None
        self.env = _env_sources(where, raw.get("env"))
        # `when_env = "production"`: the entry holds only when the environment its sources name is production (a
        # GitOps sync or a job run is a deploy there; elsewhere, or where nothing names one, ordinary work)
        self.when_env = raw.get("when_env")
        if self.when_env not in (None, "production"):
            raise KnowledgeError(f"{where}: when_env must be \"production\"")
        self.note = raw.get("note")
        self.name_env = raw.get("name_env")
        # where a capacity is (an option, $1, $2, $last, or $* for any operand): the entry holds only when one of
        # them is zero as the one reader of capacities reads it (analysis/shell/capacity.py)
        self.capacity = _strs(where, "capacity", raw.get("capacity", []))
        if any(not (x.startswith("-") or x in ("$1", "$2", "$last", "$*")) for x in self.capacity):
            raise KnowledgeError(f"{where}: capacity names options, $1, $2, $last or $*")
        # where a size or count is: the entry holds only when one of them is large (a count at or above
        # capacity.toml's large_count, or a GPU / very large machine type: capacity.is_large)
        self.cost = _strs(where, "cost", raw.get("cost", []))
        if any(not (x.startswith("-") or x in ("$1", "$2", "$last", "$*")) for x in self.cost):
            raise KnowledgeError(f"{where}: cost names options, $1, $2, $last or $*")


class Tool:
    def __init__(self, raw, fname):
        from ... import rules

        where = fname
        bad = set(raw) - _PROGRAM_KEYS
        if bad:
            raise KnowledgeError(f"{where}: unknown keys {sorted(bad)}")
        self.file = fname
        self.names = _strs(where, "names", raw.get("names", []))
        if not self.names:
            raise KnowledgeError(f"{where}: names is required")
        self.summary = raw.get("summary", "")
        self.separator = raw.get("separator", "")
        self.value_options = frozenset(_strs(where, "value_options", raw.get("value_options", [])))
        self.skip = frozenset(_strs(where, "skip", raw.get("skip", ["--help", "-h"])))
        al = raw.get("aliases", {})
        if not isinstance(al, dict) or not all(isinstance(v, str) for v in al.values()):
            raise KnowledgeError(f"{where}: aliases must map a word to its canonical word")
        self.aliases = al
        self.env = _env_sources(where, raw.get("env"))
        self.label = raw.get("label", self.names[0])
        self.generic = bool(raw.get("generic", True))
        self.generic_rule = raw.get("generic_rule", "infra.cli-delete")
        if self.generic_rule not in rules.RULES:
            raise KnowledgeError(f"{where}: generic_rule {self.generic_rule!r} is not in the catalogue")
        self.handled_elsewhere = [tuple(p.split()) for p in _strs(where, "handled_elsewhere",
                                                                   raw.get("handled_elsewhere", []))]
        cmds = raw.get("commands", [])
        if not isinstance(cmds, list):
            raise KnowledgeError(f"{where}: commands must be an array of tables ([[commands]])")
        self.commands = [Command(c, f"{where} commands[{i}] {c.get('path')!r}", rules.RULES, self.separator)
                         for i, c in enumerate(cmds)]
        exs = raw.get("examples", [])
        if not isinstance(exs, list) or not exs:
            raise KnowledgeError(f"{where}: examples are required ([[examples]] cmd = ..., rule = ...)")
        self.examples = []
        for i, e in enumerate(exs):
            if not isinstance(e, dict) or set(e) - _EXAMPLE_KEYS or "cmd" not in e or "rule" not in e:
                raise KnowledgeError(f"{where} examples[{i}]: needs cmd and rule (\"\" for none)")
            if e["rule"] and e["rule"] not in rules.RULES:
                raise KnowledgeError(f"{where} examples[{i}]: rule {e['rule']!r} is not in the catalogue")
            self.examples.append((e["cmd"], e["rule"]))
        if not any(r for _, r in self.examples) or not any(not r for _, r in self.examples):
            raise KnowledgeError(f"{where}: examples need at least one hit and one miss")

    # --- parsing an invocation ---------------------------------------------------------------
    def parse(self, args):
        """(flags, {option: value}, operands): ``--x=v``, value options as ``-a v``/``-av``/``--app v``."""
        flags, values, ops = set(), {}, []
        i, n = 0, len(args)
        while i < n:
            x = args[i]
            if x == "--":
                ops.extend(args[i + 1:])
                break
            if x.startswith("--") and len(x) > 2:
                name, eq, v = x.partition("=")
                if eq:
                    values[name] = v
                elif name in self.value_options and i + 1 < n:
                    values[name] = args[i + 1]
                    i += 1
                else:
                    flags.add(name)
            elif x.startswith("-") and len(x) > 1 and not _NUMBER.match(x):
                if x in self.value_options:
                    if i + 1 < n:
                        values[x] = args[i + 1]
                        i += 1
                elif "=" in x and x.split("=", 1)[0] in self.value_options:
                    values[x.split("=", 1)[0]] = x.split("=", 1)[1]
                else:
                    for j in range(1, len(x)):
                        o = "-" + x[j]
                        if o in self.value_options:
                            v = x[j + 1:]
                            if not v and i + 1 < n:
                                v = args[i + 1]
                                i += 1
                            values[o] = v
                            break
                        flags.add(o)
                    flags.add(x)
            else:
                ops.append(x)
            i += 1
        return flags, values, ops

    def words(self, ops):
        """Operands with the first split on the separator (oclif: ``apps:destroy`` = ``apps destroy``)."""
        if self.separator and ops and self.separator in ops[0]:
            return [w for w in ops[0].split(self.separator) if w] + ops[1:]
        return list(ops)

    def canon(self, w):
        return self.aliases.get(w, w)

    def match(self, words, flags, values, env_of=None):
        """The first command entry whose path and conditions hold: (command, length of the path) or None.
        ``env_of(command, rest)``: the environment the entry's sources name (for ``when_env``)."""
        cw = [self.canon(w) for w in words]
        # `--prune=false`, `--force=0`: an option given a false value is the flag turned off, not on
        on = {k for k, v in values.items() if not (isinstance(v, str) and v.lower() in ("false", "0", "no", "off"))}
        for c in self.commands:
            for p in c.paths:
                if len(cw) >= len(p) and all("*" in q or cw[k] in q or words[k] in q or
                                             cw[k] in {self.canon(x) for x in q} for k, q in enumerate(p)):
                    if c.when_flags and not (c.when_flags & flags or c.when_flags & on):
                        continue
                    if c.unless_flags & flags or c.unless_flags & on:
                        continue
                    if c.when_options and not all(o in values and rx.fullmatch(values[o])
                                                  for o, rx in c.when_options.items()):
                        continue
                    if c.when_operand and not any(c.when_operand.search(w) for w in words[len(p):]):
                        continue
                    if c.when_last and not (words[len(p):] and c.when_last.search(words[-1])):
                        continue
                    if c.capacity and not _capacity_zero(c.capacity, values, words[len(p):]):
                        continue
                    if c.cost and not _capacity_zero(c.cost, values, words[len(p):], large=True):
                        continue
                    if c.when_env and not (env_of and _is_production(env_of(c, words[len(p):]) or "")):
                        continue
                    return c, len(p)
        return None


def _is_zero(value) -> bool:
    from .capacity import is_zero

    return is_zero(value)


def _capacity_zero(sources, values, rest, large=False) -> bool:
    """One of the places the entry names as a capacity is set to zero (any spelling: capacity.is_zero); with
    ``large``, set high instead (a large count or a GPU / very large machine type: capacity.is_large)."""
    from .capacity import is_large, is_zero

    if large:
        is_zero = is_large  # noqa: F811  (the same places, the other reading)

    for src in sources:
        if src == "$*":
            if any(is_zero(w) for w in rest):
                return True
        elif src == "$last":
            if rest and is_zero(rest[-1]):
                return True
        elif is_zero(_source(src, values, rest)):
            return True
    return False


_NUMBER = re.compile(r"^-\d+$")
_COLON_WORD = re.compile(r"^[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)+$")


def _show(x):
    return x.replace(U, "$?")


# --- the one place findings leave this module ----------------------------------------------

def emit(a, cmd, rule, target=None, effect="delete", note=None, env=None):
    """Every finding of this module goes through here, so that severity and environment weighting
    live in one emitter (today infra's ``_emit``)."""
    from .infra import _emit

    _emit(a, cmd, rule, target=target, effect=effect, note=note, env=env)


def _environment(a, sources, flags, values, rest):
    from .infra import _first_env

    pairs = []
    for kind, froms in sources:
        for f in froms:
            v = _source(f, values, rest)
            if v:
                pairs.append((kind, v))
    return _first_env(a, pairs) if pairs else None


def _source(f, values, rest):
    if f == "$1":
        return rest[0] if rest else None
    if f == "$2":
        return rest[1] if len(rest) > 1 else None
    if f == "$*":
        return " ".join(rest) if rest else None
    if f == "$last":
        return rest[-1] if rest else None
    if f.startswith("-"):
        v = values.get(f)
        return v if isinstance(v, str) and v else None
    return f  # a literal ("every collection")


# --- the handler for programs with a knowledge file --------------------------------------------

def unknown(a, cmd, scope):
    """Called for every program that reaches programs.unknown_program: a program with a handler in
    code (which fell back there) is already judged; the others get their knowledge file, if any,
    else the generic verb model."""
    from .programs import HANDLERS

    if "/" in cmd.name:  # /usr/bin/openstack: judged as openstack
        base = cmd.name.rsplit("/", 1)[-1]
        if not base:
            return
        if not cmd.name.startswith("/") and base.lower().endswith((".sh", ".py", ".rb", ".js", ".pl")) and \
                base not in index():
            # `./scripts/x-delete.sh`: the project's own script, judged by its text, not its name — unless a
            # knowledge file names the script (`bin/kafka-topics.sh`: Apache's tarball layout of a known tool)
            base = cmd.name
        cmd = cmd.derive([base] + list(cmd.argv[1:]))
        cmd.text = None
    if cmd.name == "java" and "-jar" in cmd.args:  # `java -jar tool-cli.jar delete x`: the jar is the program
        args = list(cmd.args)
        k = args.index("-jar")
        jar = args[k + 1].rsplit("/", 1)[-1] if k + 1 < len(args) else ""
        name = _JAR_VERSION.sub("", jar[:-4]) if jar.endswith(".jar") else ""
        if name and name not in HANDLERS:
            sub = cmd.derive([name] + args[k + 2:])
            sub.text = None
            handler(a, sub, scope)
        return
    if cmd.name in HANDLERS:
        # a runner of source (cargo, go, node…) whose words no handler judges: its knowledge file, if any
        # (`cargo publish`), never the generic verb model (`node scripts/delete-old.js` names a script)
        if getattr(HANDLERS[cmd.name], "judges_args", True) is False and cmd.name in index():
            handler(a, cmd, scope)
        return
    handler(a, cmd, scope)


_ONE_DASH_WORD = re.compile(r"^-[a-z][a-z]{3,}(-[a-z]+)*(=.*)?$")
_KEYWORD_LINE = re.compile(r"^(?:cmd|command|cmdline|code)=(.*)$", re.S)
_JAR_VERSION = re.compile(r"[-_]v?\d[\w.]*$")  # `tool-cli-2.1.0.jar` is `tool-cli`


def handler(a, cmd, scope):
    """Judge ``cmd`` by its program's knowledge file (registered for every name in the index); a cloud CLI
    without a handler in code is also read for access it widens (shell/exposure.py)."""
    _judge(a, cmd, scope)
    from . import exposure, settings
    from .programs import HANDLERS

    if cmd.name in exposure.programs():
        exposure.judge(a, cmd, scope)
    if cmd.name in settings.tools() and not getattr(HANDLERS.get(cmd.name), "settings_wrapped", False):
        # `poetry source add NAME URL` (a runner whose words its knowledge file judges)
        settings.judge_cli(a, cmd, scope)


def _judge(a, cmd, scope):
    try:
        tool = tool_for(cmd.name)
    except KnowledgeError as e:
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown",
               note=f"the knowledge file for {cmd.name} is invalid, so this command is asked: {e}")
        return
    if tool is None:
        before = len(a.findings)
        generic(a, cmd, scope)
        if len(a.findings) == before and (cmd.sudo or getattr(a, "as_root", False)):
            as_root(a, cmd)  # nothing in its words said it destroys: run as root, unknown is not a read
        return
    try:
        interpret(a, cmd, scope, tool)
    except (KeyError, IndexError, ValueError, TypeError) as e:  # fail closed, with the reason
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown",
               note=f"the knowledge file {tool.file} could not be applied: {type(e).__name__}")


def interpret(a, cmd, scope, tool):
    flags, values, ops = tool.parse(list(cmd.args))
    if tool.skip & {x.split("=", 1)[0] for x in cmd.args} or (tool.skip - {"-h"}) & (flags | set(values)):
        # a skip option as written or in a cluster of short ones (`emerge -pvc`); help only as written: the `h`
        # of a Go-style option split into letters (`nomad job scale -detach`) is not `-h`
        return
    words = tool.words(ops)
    if any(tuple(words[:len(p)]) == p for p in tool.handled_elsewhere):
        return
    hit = tool.match(words, flags, values,
                     env_of=lambda c, rest: _environment(a, (c.env or []) + tool.env, flags, values, rest))
    if hit is None:
        if tool.generic:
            said = _generic_words(a, cmd, words, tool.generic_rule, env=_environment(a, tool.env, flags, values, []),
                                  label=tool.label, kinds=tuple(KINDS),
                                  root=bool(cmd.sudo or getattr(a, "as_root", False)), args=list(cmd.args))
            if not said:
                generic(a, cmd, scope)
        else:
            sql_arguments(a, cmd, scope)  # a subcommand the file does not name, given destructive SQL
        return
    c, k = hit
    rest = words[k:]
    if c.effect == "runs-command" and c.mechanism == "remote-shell":
        # the line runs in a shell on every host the command selects (`pdsh -w web[1-9] CMD`, `salt '*'
        # cmd.run CMD`): judged as the commands it is, there
        line = None
        for src in c.command:
            if src == "$*" and rest:  # the rest of the line as written, its options included (`pdsh -w h rm -rf x`)
                args = list(cmd.args)
                line = " ".join(args[args.index(rest[0]):]) if rest[0] in args else " ".join(rest)
            else:
                line = _source(src, values, rest)
            if line:
                break
        kw = _KEYWORD_LINE.match(line or "")
        if kw:  # `salt '*' cmd.run_all cmd='rm -rf x'`: the line given as a keyword argument
            line = kw.group(1)
        host = next((v for v in (_source(src, values, rest) for src in c.target) if v), None) or "hosts"
        if line:
            a.nested_shell(line, cmd, scope, remote=f"{tool.label}:{_show(host)}")
        return
    if c.effect == "runs-command":
        from . import infra

        infra.MECHANISMS[c.mechanism](a, cmd, scope, tool, flags, values, ops)
        return
    if c.effect in ("none", "read") or not c.rule:
        return
    target = None
    for src in c.target:
        v = _source(src, values, rest)
        if v:
            target = v
            break
    head = c.label or " ".join([tool.label] + [tool.canon(w) for w in words[:k]])
    shown = " ".join(x for x in (head, _show(target) if target else "") if x)
    env = _environment(a, (c.env or []) + tool.env, flags, values, rest)
    emit(a, cmd, c.rule, target=shown, effect=c.effect, note=c.note, env=env)


# --- the generic verb model ---------------------------------------------------------------------

# A cheap superset of generic.toml's verbs, tested before that file is read (most commands pass here).
_PREFILTER = re.compile(r"(?i)(delet|destroy|remov|rm\b|\bdel|purge|drop|terminat|undefine|wipe|erase|"
                        r"revoke|nuke|deregister|unregister|unpublish|obliterate|\bdes(tr?)?\b|\brmi\b|"
                        r"decommission|kill|(de|un)provision|expunge|\brmdir|\bclear|\bempty|\brestart|"
                        r"unset|trash|shred|scale|stop|uninstall|disable|unload|shutdown|halt|poweroff|reboot|"
                        r"reset|evict|teardown|undeploy|uninit|format|flush|prune|forget|expire|down|"
                        r"\bupdate\b|truncat|alter|savestate|\breb\b|(^|\s)d(\s|$)|-R[dnscu]*[nsc])")

_DEPLOY_PREFILTER = re.compile(r"(?i)\b(deploy|apply|release|promote|up|rollout|sync)\b")


def _generic_deploy(a, cmd, args, options=True):
    """An unknown tool deploying to an environment the line names production: infra.deploy, as a known deploy
    tool's is.  Production may be named by an environment option's value (`sst deploy --stage production`,
    `helmfile -e prod apply`), a bare option (`shipit deploy --prod`), an operand beside the verb (`dep deploy
    production`, `mina production deploy`), a task's part (`rake deploy:production`), or an assignment given as an
    operand (`tool deploy ENV=prod`); the verb may be the program's own name (`./bin/deploy --env=prod`).  Only a
    named production counts: an unknown tool's default environment is not known to be one."""
    base = cmd.name.rsplit("/", 1)[-1].lower()
    stem = base.rsplit(".", 1)[0] if base.endswith((".sh", ".py", ".rb", ".js", ".pl", ".bash")) else base
    if not _DEPLOY_PREFILTER.search(" ".join(args)) and not _DEPLOY_PREFILTER.search(stem.replace("_", " ")):
        return
    try:
        g = generic_model()
    except KnowledgeError:
        return  # (the model's error is reported where a verb needs it)
    if cmd.name in g.not_programs or any(x in _HELP or x in g.preview_options for x in args):
        return  # (a local build tool's `deploy` is the project's deploy: `nx deploy api --configuration=production`)
    words, env, i = [], None, 0
    named = None  # how production was named
    while i < len(args):
        x = args[i]
        name, eq, val = x.partition("=")
        if name in g.environment_options:
            if not eq and i + 1 < len(args):
                val, i = args[i + 1], i + 1
            e = a.environment_of("cloud_project", val)
            if e and _is_production(e) and not env:
                env, named = e, f"{name} {val}"
        elif x.startswith("--") and not eq and x[2:].lower() in _PROD_WORDS:
            env, named = env or "production", named or x  # `--prod`, `--production`
        elif not x.startswith("-"):
            words.append(x)
        i += 1
    parts = [p for w in words[:g.max_position + 1] for p in re.split(r"[:]", w) if p]
    verb = next((w for w in parts if w.lower() in g.deploy_verbs), None)
    if verb is None and (stem in g.deploy_verbs or stem.split("-")[0].split("_")[0] in g.deploy_verbs):
        verb = stem  # `./bin/deploy production`, `deploy.sh --env=prod`: the program is the verb
    if verb is None:
        return
    if not env:
        # an operand (or a task's part) beside the verb that is production: `deploy production`, `production deploy`,
        # `deploy:prod`, `ENV=production`
        for p in parts + [w for w in words[:g.max_position + 1] if "=" in w]:
            val = p.split("=", 1)[1] if "=" in p and p.split("=", 1)[0].lower() in _ENV_ASSIGN_KEYS else p
            if val.lower() in _PROD_WORDS:
                env, named = "production", p
                break
    if env and verb in parts and any(w.lower() in g.read_words for w in parts[:parts.index(verb)]):
        return
    if env:
        emit(a, cmd, "infra.deploy", target=" ".join([cmd.name] + [_show(w) for w in words[:3]]), effect="deploy",
             note=f"'{verb}' to an environment named production ({_show(named)}; Interlock has no knowledge file "
                  f"for {cmd.name})", env=env)


#: Words that name production themselves (as an operand, a bare option or a task's part: not a name containing them)
_PROD_WORDS = frozenset({"prod", "production", "prd", "live"})


def _is_production(env: str) -> bool:
    from ...policy import is_production  # (policy lies below analysis: names, not decisions)

    return is_production(env)
#: Assignments given as operands that name the environment (`make deploy ENV=production` style)
_ENV_ASSIGN_KEYS = frozenset({"env", "environment", "stage", "target", "rails_env", "node_env", "app_env", "deploy_env",
                       "tier"})


#: The kinds of verb the generic model knows, gravest first, and the rule each reports.
KINDS = {"delete": "infra.cli-delete", "reset": "infra.cli-reset", "stop": "infra.cli-stop"}
#: An API action spelled in CamelCase (Alibaba Cloud's `aliyun ecs DeleteInstance`, Tencent's `tccli cvm
#: TerminateInstances`, Huawei's `hcloud ECS DeleteServers`): a capitalised word, then at least one more.
_CAMEL_WORD = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z0-9]*|[A-Z]+(?=[A-Z][a-z])|[A-Z]+$)+$")
_CAMEL_PART = re.compile(r"[A-Z][a-z0-9]+|[A-Z]+(?![a-z])")
#: ... or a method in lower camelCase, verb first (`deleteUser`, `destroyAll`, `resetPassword`)
_LOWER_CAMEL = re.compile(r"^([a-z]+)(?:[A-Z][a-z0-9]*)+$")
#: a PowerShell cmdlet run as a program: Verb-Noun, each capitalised (`Clear-Disk`, `Unregister-ScheduledTask`)
_CMDLET = re.compile(r"^([A-Z][a-z]+)-([A-Z][A-Za-z0-9]+)$")
_DOTTED_WORD = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$")


class Generic:
    KEYS = {"verbs", "compound_verbs", "not_programs", "local_programs", "max_position", "examples",
            "boolean_options", "read_words", "summary", "local_groups", "service_groups", "service_verbs",
            "control_suffixes", "registry_verbs", "stop_verbs", "stop_compound_verbs", "reset_verbs",
            "reset_compound_verbs", "option_verbs", "option_keeps", "name_prefix_verbs", "name_suffix_verbs",
            "root_delete_verbs", "root_reset_verbs", "retention_verbs", "retention_options", "resource_groups",
            "option_intensifiers", "compound_keeps", "bare_option_verbs", "root_package_groups",
            "prose_options", "entry_options", "abbreviations", "resource_suffixes",
            "glued_verbs", "glued_objects", "option_objects", "glued_suffix_verbs", "glued_suffix_keeps",
            "entry_groups", "entry_verbs", "control_reset_verbs", "dev_vm_programs",
            "machine_reset_verbs", "manual_verbs", "manual_leading", "manual_objects", "manual_keeps",
            "manual_determiners", "preview_options", "name_reset_parts", "deploy_verbs", "environment_options",
            "store_verbs", "store_words", "cmdlet_verbs", "cmdlet_keeps", "cmdlet_machines", "method_options",
            "server_options"}

    def __init__(self, raw):
        bad = set(raw) - self.KEYS
        if bad:
            raise KnowledgeError(f"generic.toml: unknown keys {sorted(bad)}")

        def strs(key, default=None):
            if default is None and key not in raw:
                raise KnowledgeError(f"generic.toml: {key} is required")
            return _strs("generic.toml", key, raw.get(key, default))

        self.verbs = frozenset(strs("verbs"))
        self.compound = frozenset(strs("compound_verbs"))
        self.not_programs = frozenset(strs("not_programs"))
        self.local = frozenset(strs("local_programs"))
        self.dev_vms = frozenset(strs("dev_vm_programs", []))
        self.machine_reset_verbs = frozenset(strs("machine_reset_verbs", []))
        self.method_options = frozenset(strs("method_options", []))
        self.server_options = frozenset(strs("server_options", []))
        self.store_verbs = frozenset(strs("store_verbs", []))
        self.store_words = frozenset(strs("store_words", []))
        cmdlet = raw.get("cmdlet_verbs", {})
        if not isinstance(cmdlet, dict) or not all(isinstance(v, str) and v in KINDS for v in cmdlet.values()):
            raise KnowledgeError(f"generic.toml: cmdlet_verbs must map verbs to one of {sorted(KINDS)}")
        self.cmdlet_verbs = {k.lower(): v for k, v in cmdlet.items()}
        self.cmdlet_keeps = frozenset(strs("cmdlet_keeps", []))
        self.cmdlet_machines = frozenset(strs("cmdlet_machines", []))
        self.booleans = frozenset(strs("boolean_options", []))
        self.read_words = frozenset(strs("read_words", []))
        self.local_groups = frozenset(strs("local_groups", []))
        self.service_groups = frozenset(strs("service_groups", []))
        self.resource_groups = frozenset(strs("resource_groups", []))
        self.resource_suffixes = tuple(strs("resource_suffixes", []))
        abbr = raw.get("abbreviations", {})
        if not isinstance(abbr, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in abbr.items()):
            raise KnowledgeError("generic.toml: abbreviations must map words to verbs")
        self.abbreviations = {k.lower(): v.lower() for k, v in abbr.items()}
        self.service_verbs = frozenset(strs("service_verbs", []))
        self.registry_verbs = frozenset(strs("registry_verbs", []))
        self.control_suffixes = tuple(strs("control_suffixes", []))
        self.control_reset_verbs = frozenset(strs("control_reset_verbs", []))
        # kind -> (whole-word verbs, parts of a compound verb)
        self.kinds = {"delete": (self.verbs, self.compound),
                      "reset": (frozenset(strs("reset_verbs", [])), frozenset(strs("reset_compound_verbs", []))),
                      "stop": (frozenset(strs("stop_verbs", [])), frozenset(strs("stop_compound_verbs", [])))}
        # whole-word verbs that count only when the tool runs as root (`sudo route flush`, `sudo x format`)
        self.root_whole = {"delete": frozenset(strs("root_delete_verbs", [])),
                           "reset": frozenset(strs("root_reset_verbs", [])), "stop": frozenset()}
        self.retention_verbs = frozenset(strs("retention_verbs", []))
        self.retention_options = tuple(strs("retention_options", []))
        self.name_suffixes = tuple(strs("name_suffix_verbs", []))
        self.option_verbs = frozenset(strs("option_verbs", []))
        self.option_keeps = frozenset(strs("option_keeps", []))
        self.option_intensifiers = frozenset(strs("option_intensifiers", []))
        self.bare_option_verbs = frozenset(strs("bare_option_verbs", []))
        self.entry_options = frozenset(strs("entry_options", []))
        self.glued = tuple(strs("glued_verbs", []))
        self.glued_objects = frozenset(strs("glued_objects", []))
        self.glued_suffixes = tuple(strs("glued_suffix_verbs", []))
        self.glued_suffix_keeps = frozenset(strs("glued_suffix_keeps", []))
        self.option_objects = frozenset(strs("option_objects", []))
        self.entry_groups = frozenset(strs("entry_groups", []))
        self.entry_verbs = frozenset(strs("entry_verbs", []))
        self.root_package_groups = frozenset(strs("root_package_groups", []))
        self.prose_options = frozenset(strs("prose_options", []))
        self.compound_keeps = frozenset(strs("compound_keeps", []))
        self.preview_options = frozenset(strs("preview_options", []))
        self.name_prefixes = tuple(strs("name_prefix_verbs", []))
        self.name_reset_parts = frozenset(strs("name_reset_parts", []))
        self.manual_verbs = frozenset(strs("manual_verbs", []))
        self.manual_leading = frozenset(strs("manual_leading", []))
        self.manual_objects = frozenset(strs("manual_objects", []))
        self.manual_keeps = frozenset(strs("manual_keeps", []))
        self.manual_determiners = frozenset(strs("manual_determiners", []))
        self.deploy_verbs = frozenset(strs("deploy_verbs", []))
        self.environment_options = frozenset(strs("environment_options", []))
        self.max_position = int(raw.get("max_position", 3))
        self.examples = []
        for i, e in enumerate(raw.get("examples", [])):
            if not isinstance(e, dict) or set(e) - _EXAMPLE_KEYS or "cmd" not in e or "rule" not in e:
                raise KnowledgeError(f"generic.toml examples[{i}]: needs cmd and rule")
            self.examples.append((e["cmd"], e["rule"]))
        every = set(self.option_verbs) | set(self.name_prefixes) | set(self.name_suffixes) | self.retention_verbs
        every |= self.root_whole["delete"] | self.root_whole["reset"] | set(self.abbreviations) | self.store_verbs
        every |= set(self.cmdlet_verbs)
        for whole, parts in self.kinds.values():
            every |= whole | parts
        for v in every:
            if not _PREFILTER.search(v):
                raise KnowledgeError(f"generic.toml: verb {v!r} escapes the prefilter in clis.py")

    def kind(self, word, kinds=KINDS, root=False, glued=True):
        """The kind of verb ``word`` is (delete, reset, stop) among ``kinds``, or None: a whole verb
        (`delete`), an oclif colon path (`apps:destroy`), a dotted method (`instance.delete`), or a
        hyphenated/underscored compound (`delete-instance`, `remove_user`, `stop_app`)."""
        w = word.lower()
        for k in kinds:
            if w in self.kinds[k][0] or (root and w in self.root_whole[k]):
                return k
        if glued and "delete" in kinds and self.glued_verb(w):
            return "delete"
        for v in self.glued_suffixes if glued else ():  # `pcrreset`: a verb after a short object
            stem = w[:-len(v)]
            if w.endswith(v) and stem.isalpha() and 2 <= len(stem) <= 6 and stem not in self.glued_suffix_keeps:
                k = "reset" if v in self.kinds["reset"][1] else "delete"
                return k if k in kinds else None
        if ":" in w and _COLON_WORD.match(w):  # oclif-style `api:core:messages:remove`, `db:drop`
            for k in kinds:
                if any(self.kind(p, (k,)) for p in w.split(":")):
                    return k
            return None
        if "." in w and _DOTTED_WORD.match(w):  # an API method `instance.delete` (never `delete.txt`)
            last = w.rsplit(".", 1)[1]
            for k in kinds:
                if last in self.kinds[k][0] and last in self.kinds[k][1] and len(last) > 3:
                    return k
            return None
        lower = _LOWER_CAMEL.match(word)
        if _CAMEL_WORD.match(word) or lower:  # an API action in CamelCase, verb first (`DeleteInstance`, `deleteUser`)
            first = lower.group(1) if lower else _CAMEL_PART.findall(word)[0].lower()
            for k in kinds:
                if first in self.kinds[k][0] or first in self.kinds[k][1]:
                    return k
            return None
        parts = re.split(r"[-_]", w)
        if len(parts) > 1 and all(p.isalnum() for p in parts):
            if parts[0] in self.read_words:
                return None  # an API name led by a read verb (`get-delete-marker`, `describe-delete-job`)
            if any(p in self.compound_keeps for p in parts):
                kinds = [k for k in kinds if k == "delete"]  # `reset-failed`, `stop-timer`: a view or a counter
            for k in kinds:
                if any(p in self.kinds[k][1] for p in parts):
                    return k
        return None

    def glued_verb(self, w):
        """`delif`, `deldev`, `delpvid`: a delete verb glued to an object it names (not `delhi`, `delta`)."""
        return any(w.startswith(v) and w[len(v):] in self.glued_objects for v in self.glued)

    def machine(self, word):
        """``word`` names a shared machine or server (`server`, `nodes`, `controlvm`)."""
        w = word.lower()
        return w in self.resource_groups or \
            any(w.endswith(x) and len(w) - len(x) >= 4 and w.isalpha() for x in self.resource_suffixes)

    def unabbreviated(self, words, k):
        """The verb ``words[k]`` abbreviates (`des` → destroy), or None; a one-letter abbreviation only after a
        one- or two-letter word and with an operand after it (`doctl k c d cluster`, `doctl compute d d 123`)."""
        w = words[k].lower()
        v = self.abbreviations.get(w)
        if not v or len(words) <= k + 1:
            return None  # what it acts on follows (`qm des 100`); a bare `tool des` is something else
        if len(w) < 3 and not (k and len(words[k - 1]) <= 2 and len(words[k + 1]) > 2):
            return None
        return v

    def verb(self, word, glued=True):
        """``word`` when it is a destructive (delete-kind) verb, else None."""
        return word.lower() if self.kind(word, ("delete",), glued=glued) else None

    def program_kind(self, name):
        """The kind of verb a program's own name says (`lxc-destroy`, `fprintd-delete`, `gdm-stop`,
        `atrm`, `removepkg`), or None."""
        low = name.lower()
        if not name[:1].isalnum():
            return None
        cmdlet = _CMDLET.match(name)
        if cmdlet and cmdlet.group(1).lower() in self.cmdlet_verbs:
            return self.cmdlet_kind(cmdlet.group(1), cmdlet.group(2))
        script = low.endswith((".sh", ".py", ".rb", ".js", ".pl"))
        if script:  # an installed script named for what it does (`k3s-uninstall.sh`, `k3s-killall.sh`); a bare
            low = low.rsplit(".", 1)[0]  # `delete.sh` or `cleanup.py` says too little
            if not re.search(r"[-_]", low):
                return None
        parts = re.split(r"[-_.]", low)
        if script and any(p in self.name_reset_parts for p in parts[1:]):
            return "reset"
        if len(parts) > 1:
            if any(p in self.compound for p in parts):
                return "delete"
            if any(p in self.kinds["reset"][1] for p in parts):
                return "reset"
            if parts[-1] in self.kinds["stop"][1]:  # `gdm-stop`, not `start-stop-daemon`
                return "stop"
            return None
        for suffix in self.name_suffixes:  # `atrm`, `ipcrm`: a short stem ending in a consonant (not `confirm`)
            stem = low[:-len(suffix)]
            least = 1 if len(suffix) >= 4 else 2  # `nwipe` (a whole verb after one letter); `atrm`, not `xrm`
            if low.endswith(suffix) and stem.isalpha() and least <= len(stem) <= 5 and stem[-1] not in "aeiouy":
                return "delete"
        for prefix in self.name_prefixes:  # `removepkg`, `deleteuser`
            rest = low[len(prefix):]
            if low.startswith(prefix) and rest.isalpha() and len(rest) >= 2:
                return "delete"
        return None

    def cmdlet_kind(self, verb, noun):
        """The kind of a PowerShell cmdlet's verb (`Clear-Disk`: delete, `Format-Volume`: reset), or None: not
        one of cmdlet_verbs, or its noun is one of cmdlet_keeps (`Format-Table`, `Clear-Host`); a stop or restart
        only of a machine, a stop also of a service (`Stop-Computer`, `Stop-Service`; not `Stop-Process`)."""
        kind = self.cmdlet_verbs.get(verb.lower())
        n = noun.lower()
        if not kind or n in self.cmdlet_keeps:
            return None
        if kind == "stop" and not (n in self.cmdlet_machines or self.machine(n) or
                                   (verb.lower() == "stop" and n in self.service_groups)):
            return None
        return kind

    def store(self, word):
        """``word`` names a store of credentials or data (`fido`, `secrets`, `sql`), or is a name made of one
        (`secret-tool`)."""
        return any(p in self.store_words for p in re.split(r"[-_.]", word.lower()))

    def program_verb(self, name):
        """A program whose own name says it destroys (`lxc-destroy`, `fprintd-delete`)."""
        return name if self.program_kind(name) else None

    def option_verb(self, opt, root=False, entry=False):
        """A long option of an unknown program that says it deletes (`--delete-vm`, `--purge`,
        `--remove-os`, `--messaging-delete-sms`); not one that keeps (`--no-delete`, `--rm`).  ``entry``: the
        command names an entry of a setting (`--key k`), which a bare `--delete` removes."""
        name = opt.split("=", 1)[0]
        if not name.startswith("--") or name in self.option_keeps:
            return None
        parts = re.split(r"[-_]", name[2:].lower())
        if opt.partition("=")[2].lower() in ("false", "0", "no", "off", "never", "none"):
            return None
        bare = len(parts) == 1
        if parts[0] in self.option_intensifiers and len(parts) > 1:
            parts = parts[1:]  # `--force-delete`, `--hard-delete`: said with emphasis, not an entry's removal
        if bare and self.glued_verb(parts[0]):
            return name  # `--deldev`, `--delpvid`: the object is in the option
        if bare and (entry or (parts[0] not in self.bare_option_verbs and not root)):
            return None  # `--key k --delete` removes an entry; a user's bare `--purge` often tidies a list of theirs
        return name if parts[0] in self.option_verbs else None

    def manual_delete(self, description):
        """The verb an option's description in a manual starts with, when it says the option deletes something
        that matters ("Delete the given user.", "Removes all keys belonging to ..."), else None."""
        verb, words = self.manual_verb(description)
        if not verb:
            return None
        ws = set(words[1:])
        if verb in self.entry_verbs and ws & self.entry_groups:
            return None  # "Remove the specified repository": an entry off the tool's list (as `repo remove x`)
        return verb if ws & self.manual_objects and not ws & self.manual_keeps else None

    def manual_verb(self, description):
        """(the delete verb an option's description starts with or None, its words)."""
        words = re.findall(r"[a-z]+(?:-[a-z]+)*", description.lower())  # `user-defined` is no user
        while words and words[0] in self.manual_leading:
            words = words[1:]
        if not words:
            return None, words
        verb = words[0]
        for end in ("s", "d", "es"):  # "Deletes", "Removes", "Purges"
            if verb not in self.manual_verbs and verb.endswith(end) and verb[:-len(end)] in self.manual_verbs:
                verb = verb[:-len(end)]
        return (verb if verb in self.manual_verbs else None), words

    def option_object(self, name):
        """The option's verb acts on a machine, a disk, a volume... (`--delete-vm`): what it names is no file."""
        parts = re.split(r"[-_]", name.lstrip("-").lower())[1:]
        return any(self.machine(p) or p in self.option_objects for p in parts)


def generic_model():
    return model("generic.toml", Generic)


#: Words that make any tool print help or only rehearse (short forms like -h/-n mean other things to many tools).
_HELP = frozenset({"--help", "--dry-run", "--dryrun", "--noop", "--no-op", "--whatif", "/?", "-?", "--version"})

_WHAT = {"delete": "deletes", "reset": "resets or uninstalls", "stop": "stops or kills"}


def generic(a, cmd, scope):
    """A program with no knowledge file and no handler: a destructive verb among its first words, in its
    own name, or in a long option."""
    args = cmd.args
    verbs = _PREFILTER.search(cmd.name) or (args and _PREFILTER.search(" ".join(args)))
    options = any(x[:1] == "-" and len(x) > 1 and x != "--" for x in args)
    if not verbs and not (options and _has_manual(cmd.name)) and not (args and _in_digest(cmd.name)):
        _generic_deploy(a, cmd, args, options)
        return  # no verb anywhere and no option a manual or the completions' digest could explain
    try:
        g = generic_model()
    except KnowledgeError as e:
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown",
               note=f"the generic verb model is invalid, so this command is asked: {e}")
        return
    if cmd.name in g.not_programs or cmd.name in g.local:
        return
    from .programs import READERS_WITH_PATTERN, file_use

    if cmd.name in file_use().reveal or cmd.name in READERS_WITH_PATTERN:
        return
    if any(x in _HELP or x in g.preview_options for x in args) or (args and args[-1] in ("-h", "-n")):
        return  # help, version, a dry run or a preview (a last bare `-n`): it changes nothing
    if options and _has_manual(cmd.name) and _manual(a, cmd, g, args):
        return  # the program's own manual says an option it uses deletes something
    if args and _in_digest(cmd.name) and _digest(a, cmd, g, args):
        return  # its shell completions describe an option or a sub-command it uses as deleting something
    if not verbs:
        _generic_deploy(a, cmd, args, options)
        return
    if _http_method(a, cmd, g, args):
        return  # an HTTP client Interlock does not know, told to send a DELETE to a URL
    # a long option written with one dash (Go's flag package, Java and Impacket tools: `-delete`,
    # `-remove-user`) is read as `--delete`; a cluster of short flags never spells a whole verb
    args = [("-" + x) if _ONE_DASH_WORD.match(x) and g.option_verb("-" + x, True) else x for x in args]
    words, i, n = [], 0, len(args)
    value_verb = False
    root = bool(cmd.sudo) or bool(getattr(a, "as_root", False))
    ident = _ident(args)
    while i < n and len(words) < g.max_position + 1:
        x = args[i]
        if x == "-h" and i == n - 1:  # a last -h is help; elsewhere it may be a host
            return
        if x == "--":
            break
        if x.startswith("--") and "=" in x and x[2:].split("=", 1)[0].lower() in g.service_groups and \
                x.split("=", 1)[1].lower() in g.service_verbs:
            words += x[2:].split("=", 1)  # `--service=stop` is `service stop`
        elif x.startswith("-") and len(x) > 1:
            # ``--x v``: v is the option's value unless the option is a well-known switch; a destructive
            # verb there still counts (`--yes-really delete x`) unless a read word follows (`--name delete show`)
            if "=" not in x and x not in g.booleans and i + 1 < n and not args[i + 1].startswith("-"):
                i += 1
                # (an option's value is a verb only as a whole: `--region delhi` is no `del` glued to `hi`)
                if x.startswith("--") and g.verb(args[i], glued=False):
                    words.append(args[i])
                    value_verb = True
                elif len(x) == 2 and x != "-n" and not args[i].isupper() and \
                        (g.verb(args[i], glued=False) or (root and g.kind(args[i], ("stop",), glued=False))):
                    # a short option's mode (`tgutil -m delete`, `sudo squid -k shutdown`); not a value in capitals
                    # (`-j DROP`, `-X DELETE` name a rule's target or a method) nor `-n` (a dry run: `rclone -n`)
                    words.append(args[i])
                    value_verb = True
                elif x.startswith("--") and x[2:].lower() in g.service_groups and \
                        args[i].lower() in g.service_verbs:  # `--service stop` is `service stop`
                    words += [x[2:], args[i]]
        else:
            words.append(x)
        i += 1
    rest = args[i:]
    if value_verb and any(w.lower() in g.read_words for w in words + rest):
        return
    if cmd.name in g.dev_vms:  # a dev VM of the user's: only what deletes it counts (`limactl remove vm1`)
        _generic_words(a, cmd, words + [x for x in rest if not x.startswith("-")], "infra.cli-delete", model=g,
                       ident=ident, kinds=("delete",), args=args)
        return
    kind = g.program_kind(cmd.name)
    # a cmdlet of cmdlet_verbs runs bare (`Clear-RecycleBin`, `Stop-Computer`: a stop of a machine or a service)
    cmdlet = bool(_CMDLET.match(cmd.name)) and cmd.name.split("-", 1)[0].lower() in g.cmdlet_verbs
    if kind == "stop" and not root and not cmdlet:
        kind = None  # a user's own `foo-stop`: a process of theirs
    if kind:
        ops = [x for x in words + rest if not x.startswith("-")]
        script = cmd.name.lower().endswith((".sh", ".py", ".rb", ".js", ".pl"))  # a script runs; no usage
        only_version = bool(args) and all(x in ("-V", "-v", "--version", "-version") for x in args)  # `nwipe -V`
        if (args or kind == "stop" or script or cmdlet) and not only_version and \
                not (ops and ops[0].lower() in g.read_words):
            # `lxc-destroy web`, `foo-delete -n web`, `gdm-stop`, `atrm 10`; a bare `foo-delete` prints its usage
            emit(a, cmd, KINDS[kind], target=" ".join([cmd.name] + [_show(x) for x in ops[:2]]),
                 effect=cmd.name, note=f"judged by its name '{cmd.name}', which says it {_WHAT[kind]} "
                                       f"(Interlock has no knowledge file for it)")
            return
    if any(w.lower() in ("scale", "autoscale") for w in words[:g.max_position]) and \
            any(_is_zero(x) for x in args):  # a capacity in any spelling (`web=0`, `--count 00`, `-0`)
        k = next(j for j, w in enumerate(words) if w.lower() in ("scale", "autoscale"))
        emit(a, cmd, "infra.outage", target=" ".join([cmd.name] + [_show(x) for x in words[:k] + words[k + 1:k + 2]]),
             effect="scale", note="scaled to zero: it stops serving until scaled up again")
        return
    control = bool(words) and cmd.name.lower().endswith(g.control_suffixes)
    if control and (words[0].lower() in g.service_verbs or
                    (g.kind(words[0], ("stop",)) and words[0].lower() != "down")):  # not `audio-ctl down 5`
        # a daemon's control program or a server's client (`gitlab-ctl kill nginx`, `fooctl stop`, `bitcoin-cli
        # stop`, `rabbitmqctl stop_app`): the daemon goes down
        emit(a, cmd, "sys.service-stop", target=" ".join([cmd.name] + [_show(x) for x in words[1:3]]),
             effect=words[0].lower(), note=f"judged by '{cmd.name} {words[0]}': a daemon's control program or "
                                           f"a server's client")
        return
    if control and words[0].lower() in g.control_reset_verbs:
        emit(a, cmd, "infra.cli-reset", target=" ".join([cmd.name] + [_show(x) for x in words[:3]]),
             effect=words[0].lower(), note=f"judged by '{cmd.name} {words[0]}': a server's client resets what the "
                                           f"server holds (Interlock has no knowledge file for {cmd.name})")
        return
    if _pacman_style(a, cmd, args) or _retention(a, cmd, g, words, args) or _sql_arguments(a, cmd, scope, args, g):
        return
    said = _generic_words(a, cmd, words + [x for x in rest if not x.startswith("-")], "infra.cli-delete", model=g,
                          ident=ident, kinds=tuple(KINDS), root=root, args=args)
    if said or any(w.lower() in g.local_groups for w in words):
        return  # a verb said it, or the options act on a local group (`adb forward --remove tcp:8080`)
    ops = [y for y in words + rest if not y.startswith("-")]
    last = args[-1] if args else ""
    on_object = any(g.option_verb(x, root, False) and g.option_object(x.split("=", 1)[0]) for x in args
                    if x.startswith("--"))
    bare = any(x.startswith("--") and "-" not in x[2:].split("=", 1)[0] and g.option_verb(x, root, False)
               for x in args)
    if on_object:
        pass  # `--delete-vm --vm path/to/vm.conf`: the file names the machine the option deletes
    elif bare and any(y.startswith(("~", "/", "../")) and not y.startswith("/dev/") for y in ops + [last]):
        pass  # a bare `--delete ~/.ssh`: what it deletes lies outside the working directory
    elif any(_names_file(y) for y in ops) or \
            ("/" in last and _FILE_EXT.search(last) and not last.startswith("/dev/")):
        return  # `metaflac --remove-tag t a.flac`, `tool --remove ./build`: the option edits or deletes a file
    entry = any(x.split("=", 1)[0] in g.entry_options for x in args)
    for j, x in enumerate(args):
        if x == "--":
            break
        value = x.partition("=")[2] or (args[j + 1] if j + 1 < len(args) and not args[j + 1].startswith("-") else "")
        # `--key k --delete` removes the entry named; `--key k --delete prod-db` names something else to delete
        opt = g.option_verb(x, root, entry and not value) if x.startswith("--") else None
        if opt:
            if _local_file(value) and not on_object:
                return  # `tool --remove ./build`, `tool --delete old.txt`: a file of the user's
            target = " ".join(_show(y) for y in ([value] if value else []) + ops[:2 - bool(value)]) or ident or ""
            emit(a, cmd, "infra.cli-delete", target=" ".join(y for y in (cmd.name, opt, target) if y), effect="delete",
                 note=f"judged by its option '{opt}', which says it deletes "
                      f"(Interlock has no knowledge file for {cmd.name})")
            return


#: a block device by its path or a macOS disk identifier (`/dev/sdb1`, `disk2`, `disk3s1`)
_DEVICE = re.compile(r"^(/dev/\S+|disk\d+(s\d+)?)$")
_LOCAL_HOST = re.compile(r"^(\w+://)?(localhost|127\.[\d.]+|0\.0\.0\.0|\[?::1\]?)([:/]|$)", re.I)


def _server_named(g, args):
    """The server an option names (server_options, or any option whose value is a URL), not this machine
    (`--host localhost`, `--url http://127.0.0.1:8080`): the command acts on that server."""
    for k, x in enumerate(args):
        if not x.startswith("-"):
            continue
        name, eq, val = x.partition("=")
        if not eq:
            val = args[k + 1] if k + 1 < len(args) and not args[k + 1].startswith("-") else ""
        if val and (name in g.server_options or re.match(r"^https?://", val)) and not _LOCAL_HOST.match(val) \
                and U not in val:
            return val
    return None


def _http_method(a, cmd, g, args):
    """`someclient -X DELETE https://api.example.com/items/5`, `--method=delete URL`: an unknown program given an
    HTTP method option (method_options) whose value is DELETE and a URL is an HTTP client sending that request;
    judged as curl's would be (http.judge: the same endpoints, the same local-host exceptions)."""
    method = None
    for k, x in enumerate(args):
        name, eq, val = x.partition("=")
        if name in g.method_options:
            method = val if eq else (args[k + 1] if k + 1 < len(args) else "")
            if method.upper() == "DELETE":
                break
            method = None
    url = next((x for x in args if re.match(r"^https?://", x)), None) if method else None
    if not url:
        return False
    from .. import http as H

    H.emit_request(a, cmd, H.Request("DELETE", url, client=cmd.name))
    return True


def _has_manual(name):
    from . import manuals

    return manuals.find(name) is not None


def _manual(a, cmd, g, args):
    """The installed program's manual (manuals.py) on the options ``args`` uses: "said" when one deletes."""
    from . import manuals

    name = cmd.name
    try:
        opts = manuals.options(name)
    except manuals.ManualError as e:
        emit(a, cmd, "interlock.error", target=name, effect="unknown",
             note=f"{name}'s manual could not be read ({e}), so what its options do is not known")
        return "said"
    if not opts:
        return None
    used = []
    for x in args:
        if x == "--":
            break
        if not x.startswith("-") or len(x) < 2:
            continue
        o = x.split("=", 1)[0]
        if o in opts:
            used.append(o)
        elif not x.startswith("--") and len(x) > 2 and all(f"-{c}" in opts for c in x[1:]):
            used += [f"-{c}" for c in x[1:]]  # `-rD`: a cluster of short flags
    for o in used:
        tag, description = opts[o]
        verb = g.manual_delete(description)
        if not verb:
            continue
        ops = [y for y in args if not y.startswith("-")]
        if any(_names_file(y) for y in ops):
            return None  # `tool -d a.tar member`: the option edits a file the command names
        shown = description if len(description) <= 100 else description[:97] + "..."
        emit(a, cmd, "infra.cli-delete", target=" ".join([name, o] + [_show(y) for y in ops[:2]]), effect=verb,
             note=f"judged by {name}'s own manual, which says of '{tag}': \"{shown}\" "
                  f"(Interlock has no knowledge file for {name})")
        return "said"
    return None


def _in_digest(name):
    from . import digest

    return digest.has(name)


_FOR = {"fish": "fish shell's completions", "zsh": "zsh's completion functions"}


def _digest(a, cmd, g, args):
    """The shipped digest of shell completions' descriptions (digest.py) on the options and sub-command words
    ``args`` uses: "said" when one deletes.  Options the installed manual describes are the manual's to judge."""
    from . import digest, manuals

    name = cmd.name
    skip = ()
    if _has_manual(name):
        try:
            skip = set(manuals.options(name) or ())
        except manuals.ManualError:
            skip = ()
    try:
        # a sub-command word that is itself a verb the model knows (`k3d cluster delete`) is the verb path's to judge
        found = [h for h in digest.hits(name, args, g, skip) if h[0] == "option" or not g.kind(h[1])]
    except digest.DigestError as e:
        emit(a, cmd, "interlock.error", target=name, effect="unknown",
             note=f"the shipped digest of programs' options could not be read ({e}), so what {name}'s options do "
                  f"is not known")
        return "said"
    if not found:
        return None
    ops = [y for y in args if not y.startswith("-")]
    if any(_names_file(y) for y in ops):
        return None  # `tool -d a.tar member`, `tool remove notes.txt`: it edits or deletes a file the command names
    kind, word, verb, obj, src = found[0]
    shown = [_show(y) for y in ops if y != word][:2]
    emit(a, cmd, "infra.cli-delete", target=" ".join([name, word] + shown), effect=verb,
         note=f"judged by how {_FOR.get(src, src)} describe {name}'s {kind} '{word}': it {verb}s ({obj}) "
              f"(Interlock has no knowledge file for {name}, and no manual of it that says otherwise)")
    return "said"


#: an account addressed as `domain/user[:password][@host]` (Impacket's target form, `addcomputer.py -delete ...
#: corp/admin:pw`): a slash, but no file
_ACCOUNT = re.compile(r"^[\w.-]+/[\w$-]+(:[^/\s]*@[\w.-]+|:[^/@\s]*|@[\w.-]+)$")


def _names_file(y):
    """An operand that names a file (a path or a name with an extension; not a device, not an account)."""
    return ("/" in y or bool(_FILE_EXT.search(y))) and not y.startswith("/dev/") and not _ACCOUNT.match(y)


def _local_file(x):
    """An argument that is a file of the working directory by its name: a relative path said so (`./build`) or
    a name with an extension (`unused.txt`), not an option, a URL, an address, a device or a path that leaves
    the directory (`../x`, `~/x`, `/x`)."""
    if x.startswith("-") or "://" in x or "@" in x or x.startswith("/dev/"):
        return False
    if x.startswith(("../", "~", "/")) or "/../" in x:
        return False  # outside the working directory: that is no ordinary edit
    return x.startswith("./") or bool(_FILE_EXT.search(x) and not _NUMERIC_EXT.search(x))


_NUMERIC_EXT = re.compile(r"\d\.\w+$|^[\w-]+\.(com|org|net|io|dev|app|example)$")


_IDENT = re.compile(r"^--?([\w-]*(name|id|ids|identifier|arn|stack|app|project|cluster|bucket|instance|"
                    r"database|db|vm|server|environment|env))$")


def _ident(args):
    """The value of the first ``--*-name``/``--*-id``/``--stack-name``... option: what a verb with no
    positional target acts on (`sam delete --stack-name app`)."""
    for k, x in enumerate(args):
        name, eq, val = x.partition("=")
        if _IDENT.match(name):
            if not eq and k + 1 < len(args):
                val = args[k + 1]
            if val and not val.startswith("-"):
                return f"{name.lstrip('-')} {_show(val)}"
    return None


_FILE_EXT = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
#: pacman's removal (`-R` with its modifiers s/n/c/u/d: `-Rs`, `-Rns`, `-Rsu`), which its many front-ends share
_PACMAN_REMOVE = re.compile(r"^-R[dnscu]*[nsc][dnscu]*$")
#: an argument that is a destructive SQL statement (`sqlite-utils query db "delete from t where ..."`)
_SQL_NAME = r"[\w\"`.\[\]]+"
_SQL_ARG = re.compile(r"(?is)("
                      rf"delete\s+from\s+{_SQL_NAME}(\s+as\s+\w+)?\s*(where\b|using\b|;|$)|"
                      rf"drop\s+(table|database|schema|view|index|collection|user|role)\s+(if\s+exists\s+)?"
                      rf"{_SQL_NAME}(\s*,\s*{_SQL_NAME})*\s*(cascade|restrict)?\s*(;|$)|"
                      rf"truncate\s+(table\s+)?{_SQL_NAME}(\s*,\s*{_SQL_NAME})*\s*(cascade|restrict)?\s*(;|$)|"
                      rf"update\s+{_SQL_NAME}\s+set\s+{_SQL_NAME}\s*=|"
                      rf"alter\s+table\s+{_SQL_NAME}\s+drop\s)")


def _sql_statements(text):
    """Each `;`-separated piece of ``text`` with its leading comments removed, in one linear pass (a `;` inside
    a comment only makes more pieces to look at)."""
    for part in text.split(";"):
        p = part.lstrip()
        while p.startswith(("/*", "--")):
            end = p.find("*/") if p.startswith("/*") else p.find("\n")
            if end < 0:
                p = ""
                break
            p = p[end + (2 if p.startswith("/*") else 1):].lstrip()
        if p:
            yield p


def _pacman_style(a, cmd, args):
    """`aura -Rsu pkg`, `yay -Rns pkg`: an unknown program given pacman's removal flags and a package."""
    if not args or not _PACMAN_REMOVE.match(args[0]):
        return False
    pkgs = [x for x in args[1:] if not x.startswith("-")]
    if not pkgs:
        return False
    emit(a, cmd, "pkg.remove-system", target=" ".join([cmd.name] + [_show(x) for x in pkgs[:2]]), effect="remove",
         note=f"judged by pacman's removal flags '{args[0]}' (Interlock has no knowledge file for {cmd.name})")
    return True


def _retention(a, cmd, g, words, args):
    """`tool prune --keep-within 7d repo`, `tool forget -keep 0:30`: a retention rule deletes what it does not keep."""
    k = next((j for j, w in enumerate(words[:g.max_position]) if w.lower() in g.retention_verbs), None)
    if k is None or any(w.lower() in g.read_words for w in words[:k]):
        return False
    keep = next((x for x in args if x.lower().startswith(g.retention_options)), None)
    if not keep:
        return False
    emit(a, cmd, "infra.cli-delete", target=" ".join([cmd.name] + [_show(x) for x in words[:k + 2]]),
         effect=words[k].lower(), note=f"judged by '{words[k]}' with '{keep.split('=', 1)[0]}': what the retention "
                                       f"rule does not keep is deleted (Interlock has no knowledge file for {cmd.name})")
    return True


def _sql_arguments(a, cmd, scope, args, g):
    """An argument of an unknown program (or of a subcommand its knowledge file does not name) that is a
    destructive SQL statement is judged as SQL — the program is a database client Interlock does not know; a JSON
    argument's string values too (`--json '{"statement": "DROP TABLE t"}'`); prose options (`-m`, `--title`) are
    not SQL."""
    found = False
    for k, x in enumerate(args):
        if k and args[k - 1] in g.prose_options:
            continue
        texts = [x] if any(_SQL_ARG.match(st) for st in _sql_statements(x)) else [
            t for t in _json_strings(x) if any(_SQL_ARG.match(st) for st in _sql_statements(t))]
        for t in texts:
            from . import databases

            tgt = databases.Target(None, None)
            tgt.label = cmd.name
            databases.run_sql(a, cmd, scope, t, None, tgt)
            found = True
    return found


def _json_strings(text, limit=64):
    """The string values of ``text`` when it is a JSON object or array (bounded), else nothing."""
    t = text.lstrip()[:1]
    if t not in ("{", "[") or len(text) > 200_000:
        return []
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return []
    out, stack = [], [(doc, 0)]
    while stack and len(out) < limit:
        v, depth = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif depth < 8 and isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif depth < 8 and isinstance(v, list):
            stack.extend((x, depth + 1) for x in v[:64])
    return out


def sql_arguments(a, cmd, scope) -> bool:
    """`_sql_arguments` for a program Interlock knows (the generic model's prose options), failing closed."""
    try:
        g = generic_model()
    except KnowledgeError:
        return False  # (the engine fails closed on the broken file: knowledge.trip)
    return _sql_arguments(a, cmd, scope, list(cmd.args), g)


def _generic_words(a, cmd, words, rule, env=None, label=None, model=None, ident=None, kinds=("delete",),
                   root=False, args=None):
    """The first verb among ``words`` (up to max_position): reported, returning "said"; a read word
    first returns "read"; nothing found returns None.  ``rule`` is the delete-kind rule (a knowledge
    file's generic_rule); the reset and stop kinds, asked for unknown programs only, have their own.
    ``root``: run through sudo/doas (then `uninstall PKG` is the system's)."""
    try:
        g = model or generic_model()
    except KnowledgeError as e:
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown", note=str(e))
        return "said"
    remote = _server_named(g, args) if args else None  # `--server build-3`, `-s https://ci.example.com`
    for k, w in enumerate(words[:g.max_position]):
        if w.lower() in g.read_words:
            return "read"  # `help delete`, `describe ...`
        if k and w.lower() in g.service_verbs and words[k - 1].lower() in g.service_groups:
            # `tool service stop`, `tool daemon uninstall`: the tool's own background service taken down
            emit(a, cmd, "sys.service-stop", target=" ".join(x for x in (label or cmd.name, *map(_show, words[:k]))),
                 effect=w.lower(), note=f"judged by '{words[k - 1]} {w}' (generic verb model)")
            return "said"
        full = g.unabbreviated(words, k)
        kind = g.kind(full.split("|", 1)[0] if full else w, kinds, root)
        if kind and k and words[k - 1].lower() in g.local_groups and w.lower() not in g.registry_verbs and \
                not (root and words[k - 1].lower() in g.root_package_groups):
            return "read"  # `plugins remove x`: local, regenerable
        group, _, said = w.lower().rpartition(":") if ":" in w else ((words[k - 1].lower() if k else ""), "", w.lower())
        if kind and said in g.entry_verbs and group.rsplit(":", 1)[-1] in g.entry_groups:
            return "read"  # `repo remove name`, `repository:remove url`: an entry off the tool's list
        after = args[args.index(w) + 1:] if args and w in args else words[k + 1:]
        # a machine named before the verb, or the tool's own first word on a number (`qm stop 100`; not `volume
        # down 5`, nor a group's `jupyter notebook stop 8888`, a port)
        on_machine = any(g.machine(x) for x in words[:k]) or \
            (k == 0 and len(words) > 1 and words[1].isdigit() and w.lower() != "down") or \
            (_CAMEL_WORD.match(w) and any(g.machine(p.lower()) for p in _CAMEL_PART.findall(w)[1:]))
            # (an API action naming its machine: `StopInstances`, `RebootDBInstance`); or a server an option names
        server = remote if not on_machine else None
        on_machine = on_machine or bool(server)
        if not kind and w.lower() in g.machine_reset_verbs and on_machine and "reset" in kinds and \
                not (k and words[k - 1].lower() in g.local_groups):
            kind = "reset"  # `qm reset 100`, `wp db reset`: a machine's or a database's state reset
        if not kind and w.lower() in g.store_verbs and (g.store(words[k - 1]) if k else g.store(cmd.name)):
            # `ykman fido reset`, `secret-tool clear k v`, `tool sql flush`: a store of credentials or data emptied
            kind = "reset" if w.lower() in g.kinds["reset"][1] else "delete"
            kind = kind if kind in kinds else None
        if kind == "stop" and not root and not on_machine:
            continue  # a user's own `caddy stop`, `pm2 stop app`: a process of theirs
        if kind == "reset" and w.lower() == "uninstall" and any(not x.startswith("-") for x in after) and not root:
            return "read"  # `pecl uninstall pkg`: a package of the user's; as root it is the system's
        if kind:
            what = " ".join(_show(x) for x in words[:k])
            shown_ops = words[k + 1:k + 3]
            # a device named further on is what the verb acts on (`eraseDisk JHFS+ Untitled disk2`)
            shown_ops += [x for x in words[k + 3:] if _DEVICE.match(x)][:1]
            target = " ".join(_show(x) for x in shown_ops) or ident or ""
            shown = " ".join(x for x in (label or cmd.name, what, target) if x)
            emit(a, cmd, rule if kind == "delete" else KINDS[kind], target=shown, effect=w.lower(),
                 note=f"judged by its verb '{w}'" +
                      (" (short for '" + "', '".join(full.split("|")) + "')" if full else "") +
                      f", which says it {_WHAT[kind]}" + (f" the server it names ({_show(server)})" if server and
                                                          kind != "delete" else "") + " (" +
                      (f"no entry of {label}'s knowledge file names it" if label else
                       f"Interlock has no knowledge file for {cmd.name}") + ")",
                 env=env)
            return "said"
    return None


# --- a program Interlock has no knowledge of, run as root ----------------------------------------

def as_root(a, cmd):
    """An unknown program run as root (sudo, doas, pkexec, run0, a root shell) whose words the generic verb
    model found nothing in, given a short option that many system tools delete with (`semanage login -d
    alice`, `smbpasswd -x alice`, `modprobe -r module`) on a thing it names: asked.  Not when
    knowledge/root.toml knows the program, the invocation only prints, or the option's value is a directory,
    a number, a host or an address (`-d /path/to/profiles`, `-d 5`, `-d example.com`: a setting, no target).
    Run as root with any other words, an unknown program passes: measured on tldr, asking for all of them
    flags ~3% of the read-described examples (`sudo iotop`, `sudo pvs -a`)."""
    try:
        r = root_model()
        g = generic_model()
    except KnowledgeError as e:
        a.emit("interlock.error", cmd, target=cmd.name, effect="unknown",
               note=f"a program run as root could not be judged, so it is asked: {e}")
        return
    name = cmd.name
    from .programs import READERS_WITH_PATTERN, file_use

    if name in g.not_programs or name in g.local or name in file_use().reveal or name in READERS_WITH_PATTERN or \
            name in r.programs or r.creates(name):
        return
    args = list(cmd.args)
    if r.reads(args, g) or any(x in g.preview_options for x in args) or (args and args[-1] in ("-h", "-n")):
        return  # it only prints, or rehearses (`-n` last, as generic() reads it)
    hit = r.delete_option(args)
    if not hit:
        return
    opt, what = hit
    if _has_manual(name):  # the installed program's own manual says what the letter does: it decides
        from . import manuals

        try:
            described = (manuals.options(name) or {}).get(opt)
        except manuals.ManualError:
            described = None  # unreadable: the letter stays unknown, asked below
        if described and not g.manual_verb(described[1])[0]:
            return  # `-d`: "Run as a daemon." — no delete
    else:
        from . import digest

        if digest.no_delete_letter(name, opt):
            return  # not installed here; its shell completions describe the letter, and not as a delete
    who = cmd.sudo or getattr(a, "as_root", None)  # the nearest wrapper decides (`sudo -u a sh -c 'sudo x'`: root)
    user = who if isinstance(who, str) else "root"
    emit(a, cmd, "sys.root-unknown", target=" ".join([name, opt, _show(what)]), effect="run-as-root",
         note=f"runs {name} as {user} with '{opt}' on '{_show(what)}': many system tools delete with {opt} "
              f"(Interlock has no knowledge of what {name} does)")


_NOT_A_NAME = re.compile(r"^(\d[\d.:,kKmMgGsS%-]*|0x[0-9a-fA-F-]+|[~/.].*|.*/.*|.*[:=].*|.|"
                         r"(?i:y|n|yes|no|on|off|true|false|none|all|auto)|.*\.[A-Za-z][A-Za-z0-9]{0,4}|"
                         r"[\w-]+(\.[\w-]+)*\.(com|org|net|io|dev|app|example|local|lan|[a-z]{2})|"
                         r"[0-9a-fA-F:]{6,}|.*[*?(){}\[\]|].*)$")


class Root:
    KEYS = {"summary", "programs", "read_options", "read_words", "delete_letters", "name_keeps", "examples"}

    def __init__(self, raw):
        bad = set(raw) - self.KEYS
        if bad:
            raise KnowledgeError(f"root.toml: unknown keys {sorted(bad)}")
        self.programs = frozenset(_strs("root.toml", "programs", raw.get("programs", [])))
        self.read_options = frozenset(_strs("root.toml", "read_options", raw.get("read_options", [])))
        self.read_words = frozenset(_strs("root.toml", "read_words", raw.get("read_words", [])))
        self.delete_letters = frozenset(_strs("root.toml", "delete_letters", raw.get("delete_letters", [])))
        self.name_keeps = tuple(_strs("root.toml", "name_keeps", raw.get("name_keeps", [])))
        if not all(re.fullmatch(r"-[A-Za-z]", x) for x in self.delete_letters):
            raise KnowledgeError("root.toml: delete_letters are short options (-d)")
        self.examples = []
        for i, e in enumerate(raw.get("examples", [])):
            if not isinstance(e, dict) or set(e) - _EXAMPLE_KEYS or "cmd" not in e or "rule" not in e:
                raise KnowledgeError(f"root.toml examples[{i}]: needs cmd and rule")
            self.examples.append((e["cmd"], e["rule"]))

    def reads(self, args, g):
        """Only prints: a help, version or listing option, or a read word as the first operand."""
        for x in args:
            if x in _HELP or x.split("=", 1)[0] in self.read_options:
                return True
        ops = [x for x in args if not x.startswith("-")]
        return bool(ops) and (ops[0].lower() in self.read_words or ops[0].lower() in g.read_words)

    def delete_option(self, args):
        """(option, the name it acts on) for the first delete letter given a name: its value (`-d alice`), or,
        when it stands last or before another option, a name among the operands (`-u alice -x`); else None."""
        for k, x in enumerate(args):
            if x == "--":
                return None
            # (a value glued to its letter, `-xalice`, is not read: `-domain`, `-disableuser` are one-dash long
            # options of other tools, measured on tldr)
            if re.fullmatch(r"-[A-Za-z]=.+", x) and x[:2] in self.delete_letters:
                val = x[3:]  # `-d=alice`: the letter with its value after =
                if not (_NOT_A_NAME.match(val) and val.strip(U)):
                    return x[:2], val
                continue
            bundle = re.fullmatch(r"-[A-Za-z]{2,3}", x) and next(
                (f"-{c}" for c in x[1:] if f"-{c}" in self.delete_letters), None)
            if bundle and k + 1 < len(args) and not args[k + 1].startswith("-") and not _NOT_A_NAME.match(args[k + 1]):
                return bundle, args[k + 1]  # `-rf alice`, `-dx alice`: a bundle of letters, a delete letter in it
            if x not in self.delete_letters:
                continue
            if k + 1 < len(args):
                nxt = args[k + 1]
                # (only as the command's first option, its mode: after others it is one more modifier, `arpspoof
                # -i wlan0 -r -t host`)
                named = not any(y.startswith("-") for y in args[:k]) and self.named_by_next_option(args[k + 1:])
                if named:
                    return x, named  # `semanage port -d -p udp 11940`: the letter is a flag, the next option names
                if re.fullmatch(r"\d+", nxt) and any(y.startswith("/dev/") for y in args[k + 2:]):
                    # `sgdisk -d 1 /dev/sdX`: a numbered part of the device the command names
                    return x, f"{nxt} of {next(y for y in args[k + 2:] if y.startswith('/dev/'))}"
                if nxt.startswith("-") or (_NOT_A_NAME.match(nxt) and nxt.strip(U)) or (U in nxt and "/" in nxt):
                    continue  # `-d /path/to/dir`, `-d 5`, `-d example.com`, `-x y`: a setting, or a flag
                return x, nxt  # (a value only known when it runs, `-x "$1"`, is a name as well as any)
            # the last word (`pdbedit -u alice -x`): what it acts on was named before it
            named = [y for y in args[:k] if not y.startswith("-") and not _NOT_A_NAME.match(y) and U not in y]
            if named:
                return x, named[-1]
        return None

    @staticmethod
    def named_by_next_option(rest):
        """A delete letter standing as a flag (`-d -k kernel_version`, `-d -p udp 11940`): the next option and its
        value when the value is a name (not a path, a number or an address), else None.  Not a dry run's `-n`
        (`eclean -d -n packages` rehearses)."""
        if len(rest) < 2 or not re.fullmatch(r"-[A-Za-z]", rest[0]) or rest[0] == "-n" or rest[1].startswith("-"):
            return None
        if _NOT_A_NAME.match(rest[1]) or U in rest[1]:
            return None
        return f"{rest[0]} {rest[1]}"

    def creates(self, name):
        """A program whose name says it adds or creates (`useradd`, `lxc-create`): its -r/-d set what it makes."""
        low = name.lower()
        return any(low.endswith(x) and len(low) > len(x) for x in self.name_keeps)


def root_model():
    return model("root.toml", Root)
