"""Build src/interlock/knowledge/option_digest.json: what programs' options and sub-commands delete, from the
descriptions shell completions give them — for programs that are not installed where Interlock runs.

Interlock reads an installed program's man page (analysis/shell/manuals.py) to learn that `sgdisk -d` deletes a
partition.  Where the program is absent (a container, a remote host, a CI job), nothing is known.  This script
reads an independent public source of option descriptions, applies the SAME verb model the manuals get
(knowledge/generic.toml: manual_verbs, manual_leading, manual_objects, manual_keeps, entry_verbs/entry_groups,
through ``Generic.manual_delete``) and keeps only the facts: program, option spellings or sub-command word,
the verb and the object word that made the description destructive.  No description text is stored.

Sources (both read as installed by Debian's packages; the versions are written into the digest):

- fish shell's completions (`apt-get install fish` -> /usr/share/fish/completions/*.fish):
  ``complete -c prog -s d -l delete -d 'Delete ...'`` (options, with the sub-command context from
  ``-n '__fish_seen_subcommand_from sub'``) and ``complete -c prog -n __fish_use_subcommand -a word -d '...'``
  (sub-commands).  fish is GPL-2.0; its completion scripts are GPL-2.0 too.
- zsh's completion functions (`apt-get install zsh-common` -> /usr/share/zsh/functions/Completion/**):
  ``_arguments`` specs ``'(-d --delete)'{-d,--delete}'[delete the ...]'`` and ``'-d[...]'``.  zsh's
  licence is MIT-style (the "Zsh" licence).

Only facts derived from the descriptions (which option, which verb, which object word) are shipped; no text is
copied, so the digest carries no expression of either project.

Rules:
- an option whose condition names its sub-command(s) (``__fish_seen_subcommand_from a b``) applies only when
  one of them is among the command's words; an option with another condition (a function of the script's own)
  is kept only when every description the source gives that spelling for the program is destructive;
- a sub-command word is a word offered (``-a``) with no option, at the top (no condition, or
  ``__fish_use_subcommand``/``not __fish_seen_subcommand_from``) or under a parent named by
  ``__fish_seen_subcommand_from``; a word the source also describes non-destructively is dropped;
- per program, the short letters the source describes at all are kept (``l``), so a cluster `-rf` is
  split only when every letter is a known option, as the manuals reader does; and the letters described with
  no delete verb at all (``k``): a program run as root with such a letter (`sudo pacman-key -r uid`, "Fetch
  keys") is not asked for what many system tools delete with, as when its installed manual says so.

Run:  .venv/bin/python bench/option_digest.py            (writes the digest)
      .venv/bin/python bench/option_digest.py --check    (exit 1 if the shipped digest differs)
Deterministic: sorted, no timestamps; the same installed sources give the same bytes.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from interlock.analysis.shell.clis import generic_model  # noqa: E402

OUT = os.path.join(ROOT, "src", "interlock", "knowledge", "option_digest.json")
FISH_DIR = "/usr/share/fish/completions"
ZSH_DIR = "/usr/share/zsh/functions/Completion"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,80}$")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,40}$")


def _version(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


#: Words that end the verb's object phrase ("Delete [device map] if it exists", "Remove [packages] and their
#: dependencies", "Delete [all flows] for a source address").
_PHRASE_END = frozenset("""for from of in on at by with to and or if that which who when whenever after before but as
into onto under using via without except including associated belonging older newer than not no so while
instead too also then are is was were be been being it they this there""".split())


def fact(g, description):
    """(verb, object word) when the description says the thing deletes something that matters, else None.
    The model's rule (``Generic.manual_delete``: a delete verb first, an object of manual_objects, nothing of
    manual_keeps), and, a one-line description having no context, the object must be the head of the verb's
    own object phrase: determiners skipped, the phrase ends at a preposition or conjunction, its last word is
    the head ("Delete device map if it already exists" deletes a map; "Delete a partition entry" an entry;
    "Remove old site_dir before building" a site_dir)."""
    verb = g.manual_delete(description)
    if not verb:
        return None
    words = re.findall(r"[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*", description.lower())
    while words and words[0] in g.manual_leading:
        words = words[1:]
    phrase = []
    for w in words[1:]:
        if w in _PHRASE_END or len(phrase) >= 3:
            break
        if w in g.manual_determiners and not phrase:
            continue
        phrase.append(w)
    head = phrase[-1] if phrase else None
    if head and head.endswith("s)"):
        head = head[:-2]
    if not head or head not in g.manual_objects or any(w in g.manual_keeps for w in phrase):
        return None
    return verb, head


def _letter(letters, prog, letter, g, desc):
    """Record a short letter: "delete" once any description of it starts with a delete verb of the model
    (whatever its object), "other" when described otherwise, "" when seen without a description."""
    d = letters.setdefault(prog, {})
    if desc and "$" not in desc and g.manual_verb(desc)[0]:
        d[letter] = "delete"
    elif desc and "$" not in desc:
        d[letter] = d.get(letter) or "other"
    else:
        d.setdefault(letter, "")


# --- fish ----------------------------------------------------------------------------------------------

_ARGOPTS = {"c": "command", "p": "path", "s": "short", "l": "long", "o": "old", "a": "arguments",
            "d": "description", "n": "condition", "w": "wraps"}
_LONG = {"--command": "command", "--path": "path", "--short-option": "short", "--long-option": "long",
         "--old-option": "old", "--arguments": "arguments", "--description": "description",
         "--condition": "condition", "--wraps": "wraps"}


def _fish_lines(text):
    buf = ""
    for line in text.splitlines():
        s = line.strip()
        if buf:
            buf += " " + s
        elif s.startswith("complete ") or s.startswith("complete\t"):
            buf = s
        else:
            continue
        if buf.endswith("\\"):
            buf = buf[:-1]
            continue
        yield buf
        buf = ""


def parse_fish_line(line):
    """{'command': [...], 'short': [...], 'long': [...], 'old': [...], 'arguments', 'description', 'condition'}
    from one ``complete`` line, or None when it can't be read without running fish (variables, substitutions)."""
    line = line.replace("\\'", "")  # fish's escaped quote inside a single-quoted word (`'the GROUP\'s'`)
    try:
        toks = shlex.split(line, comments=True)
    except ValueError:
        return None
    if not toks or toks[0] != "complete":
        return None
    out = {"command": [], "short": [], "long": [], "old": [], "arguments": None, "description": None,
           "condition": None}
    i = 1
    while i < len(toks):
        t = toks[i]
        key = val = None
        if t.startswith("--"):
            name, eq, v = t.partition("=")
            key = _LONG.get(name)
            if key and not eq:
                i += 1
                v = toks[i] if i < len(toks) else None
            val = v
        elif t.startswith("-") and len(t) > 1:
            for k, ch in enumerate(t[1:]):
                if ch in _ARGOPTS:
                    key = _ARGOPTS[ch]
                    rest = t[2 + k:]
                    if rest:
                        val = rest
                    else:
                        i += 1
                        val = toks[i] if i < len(toks) else None
                    break
        else:
            key, val = "command", t
        if key and val is not None:
            if key in ("command", "short", "long", "old"):
                out[key].append(val)
            elif key in ("arguments", "description", "condition"):
                out[key] = val
        i += 1
    return out


def _fish_context(cond):
    """('top', None) for a top-level condition (or none), ('sub', [words]) for __fish_seen_subcommand_from words,
    ('other', None) for anything else."""
    if not cond:
        return "top", None
    c = cond.strip()
    if c in ("__fish_use_subcommand", "__fish_is_first_arg", "__fish_is_first_token", "__fish_is_nth_token 1") \
            or c.startswith(("__fish_use_subcommand", "not __fish_seen_subcommand_from")) \
            or re.fullmatch(r"__fish_\w+_(no_subcommand|needs_command|needs_subcommand)", c):
        return "top", None
    m = re.fullmatch(r"__fish_seen_subcommand_from((?:\s+[A-Za-z][\w.:-]*)+)", c)
    if m:
        return "sub", sorted(set(m.group(1).split()))
    m = re.fullmatch(r"contains '?([A-Za-z][\w.:-]*)'? \(commandline -poc\)", c)  # `contains 'release' (...)`
    if m:
        return "sub", [m.group(1)]
    return "other", None


def read_fish(g, files):
    """{program: {"o": {spelling: [[subs], verb, obj]...}, "s": {...}, "letters": str}} plus every description
    seen per (program, spelling) to drop the ambiguous ones."""
    opts, subs, letters, seen_opt, seen_sub = {}, {}, {}, {}, {}
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for line in _fish_lines(text):
            c = parse_fish_line(line)
            if not c or not c["command"]:
                continue
            desc = c["description"]
            kind, ctx = _fish_context(c["condition"])
            spellings = [f"-{s}" for s in c["short"]] + [f"--{s}" for s in c["long"]] + [f"-{s}" for s in c["old"]]
            for prog in c["command"]:
                if not _NAME.match(prog):
                    continue
                for s in c["short"]:
                    if len(s) == 1:
                        _letter(letters, prog, s, g, desc)
                if not desc or "$" in desc or "(" in desc[:1]:
                    continue
                f = fact(g, desc)
                if spellings:
                    for sp in spellings:
                        if not re.fullmatch(r"-{1,2}[A-Za-z0-9?][\w.-]*", sp):
                            continue
                        seen_opt.setdefault((prog, sp), []).append((kind, ctx, f))
                elif c["arguments"] and not re.search(r"[$()\[\]{}*]", c["arguments"]):
                    words = c["arguments"].split()
                    if len(words) > 6 or not all(_WORD.match(w) for w in words):
                        continue
                    if kind == "other":
                        continue
                    for w in words:
                        seen_sub.setdefault((prog, w), []).append((kind, ctx, f))
    for (prog, sp), seen in seen_opt.items():
        for kind, ctx, f in seen:
            if not f:
                continue
            if kind == "other" and not all(x[2] for x in seen):
                continue  # the same spelling means something harmless under another condition
            if kind == "sub" and any(not x[2] and x[0] != "sub" for x in seen):
                continue  # harmless at the top or under an unknown condition
            entry = [ctx or [], f[0], f[1]]
            lst = opts.setdefault(prog, {}).setdefault(sp, [])
            if entry not in lst:
                lst.append(entry)
    for (prog, w), seen in seen_sub.items():
        for kind, ctx, f in seen:
            if not f or not all(x[2] for x in seen if x[0] == kind and x[1] == ctx):
                continue
            entry = [ctx or [], f[0], f[1]]
            lst = subs.setdefault(prog, {}).setdefault(w, [])
            if entry not in lst:
                lst.append(entry)
    return opts, subs, letters


# --- zsh -----------------------------------------------------------------------------------------------

#: `'(-d --delete)'{-d,--delete}'[delete the ...]'`, `'-d[...]'`, `'--delete=[...]'`, `"*-x+[...]"`
_Z_BRACE = re.compile(r"\{(-{1,2}[A-Za-z0-9][\w-]*(?:,-{1,2}[A-Za-z0-9][\w-]*)+)\}['\"]?[+=-]*\[([^\]\n]{3,200})\]")
_Z_SINGLE = re.compile(r"(?:^|[\s'\"(*)])(-{1,2}[A-Za-z0-9][\w-]*)[+=-]{0,2}\[([^\]\n]{3,200})\]")


def read_zsh(g, files):
    """{program: {spelling: [[], verb, obj]}} and {program: letters} from _arguments specs in zsh completion
    functions (`#compdef prog...`).  A spelling described twice differently in one file (sub-commands of
    their own) is kept only when every description is destructive."""
    opts, letters = {}, {}
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        first = text.split("\n", 1)[0]
        if not first.startswith("#compdef"):
            continue
        progs = [w for w in first.split()[1:] if not w.startswith("-") and _NAME.match(w)]
        if len(progs) != 1 or os.sep + "Zsh" + os.sep in path:
            continue  # zsh's own builtins (`unhash -d`); one function for several programs (`_git`, `_texinfo`): whose option is whose is unknown
        seen = {}
        for m in _Z_BRACE.finditer(text):
            for sp in m.group(1).split(","):
                seen.setdefault(sp, []).append(m.group(2))
        for m in _Z_SINGLE.finditer(text):
            seen.setdefault(m.group(1), []).append(m.group(2))
        for sp, descs in seen.items():
            for prog in progs:
                if re.fullmatch(r"-[A-Za-z0-9]", sp):
                    for d in descs:
                        _letter(letters, prog, sp[1], g, d.replace("\\", ""))
            facts = [fact(g, d.replace("\\", "")) for d in descs if "$" not in d]
            if not facts or not all(facts):
                continue
            for prog in progs:
                lst = opts.setdefault(prog, {}).setdefault(sp, [])
                entry = [[], facts[0][0], facts[0][1]]
                if entry not in lst:
                    lst.append(entry)
    return opts, letters


def assemble(f_opts, f_subs, f_letters, z_opts=None, z_letters=None):
    """The digest's ``programs`` table from what the readers found (zsh's only where fish has nothing)."""
    z_opts, z_letters = z_opts or {}, z_letters or {}
    programs = {}
    for prog in sorted(set(f_opts) | set(f_subs) | set(z_opts) | set(f_letters) | set(z_letters)):
        p = {}
        o = {}
        for src in (f_opts.get(prog, {}), z_opts.get(prog, {}) if prog not in f_opts else {}):
            for sp, lst in src.items():
                o.setdefault(sp, [])
                o[sp] += [e for e in lst if e not in o[sp]]
        if o:
            p["o"] = {k: sorted(v) for k, v in sorted(o.items())}
        if prog in f_subs:
            p["s"] = {k: sorted(v) for k, v in sorted(f_subs[prog].items())}
        lt = dict(z_letters.get(prog, {}) if prog not in f_letters else {})
        lt.update(f_letters.get(prog, {}))
        if lt and "o" in p:
            p["l"] = "".join(sorted(lt))
        keep = "".join(sorted(k for k, v in lt.items() if v == "other"))
        if keep:
            p["k"] = keep
        if not p:
            continue
        p["src"] = "fish" if prog in f_opts or prog in f_subs or prog in f_letters else "zsh"
        programs[prog] = p
    return programs


def build():
    g = generic_model()
    fish_files = sorted(glob.glob(os.path.join(FISH_DIR, "*.fish")))
    zsh_files = sorted(p for p in glob.glob(os.path.join(ZSH_DIR, "**", "_*"), recursive=True)
                       if os.path.isfile(p) and not p.endswith(".zwc"))
    if not fish_files:
        sys.exit(f"no fish completions under {FISH_DIR}: apt-get install fish")
    f_opts, f_subs, f_letters = read_fish(g, fish_files)
    z_opts, z_letters = read_zsh(g, zsh_files) if zsh_files else ({}, {})
    programs = assemble(f_opts, f_subs, f_letters, z_opts, z_letters)
    about = {
        "what": "Facts from shell completions' option and sub-command descriptions: for each program, which "
                "option spellings (o) or sub-command words (s) are described as deleting something, as "
                "[[sub-commands it applies under, or none], verb, object word]; l: every short letter the source "
                "describes (a cluster is split only over known letters); k: short letters described, none of them "
                "with a delete verb (a root-run program's `-d` known to be no delete). No description text is "
                "stored.",
        "sources": {
            "fish": {"package": "fish", "version": _version("fish"), "path": FISH_DIR, "licence": "GPL-2.0",
                     "files": len(fish_files)},
            "zsh": {"package": "zsh-common", "version": _version("zsh-common"), "path": ZSH_DIR,
                    "licence": "Zsh (MIT-style)", "files": len(zsh_files)},
        },
        "why": "fish's completions give one description per option and per sub-command, with the sub-command "
               "context in a readable condition; zsh's _arguments specs cover many programs fish lacks "
               "(used only for programs fish has no destructive facts for). Debian man pages would need every "
               "package installed.",
        "model": "knowledge/generic.toml manual_verbs/manual_objects/manual_keeps (Generic.manual_delete), "
                 "applied when generated; the reader re-checks verb and object against the current model.",
        "regenerate": "apt-get install fish zsh && .venv/bin/python bench/option_digest.py",
    }
    return {"about": about, "programs": programs}


def dump(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when the shipped digest differs")
    ap.add_argument("--stats", action="store_true")
    args = ap.parse_args()
    data = build()
    text = dump(data)
    if args.stats or not args.check:
        progs = data["programs"]
        print(f"{len(progs)} programs, {sum(len(p.get('o', {})) for p in progs.values())} options, "
              f"{sum(len(p.get('s', {})) for p in progs.values())} sub-commands, {len(text)} bytes", file=sys.stderr)
    if args.check:
        try:
            with open(OUT, encoding="utf-8") as fh:
                same = fh.read() == text
        except OSError:
            same = False
        sys.exit(0 if same else 1)
    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
