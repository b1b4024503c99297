"""What a newcomer reads must be true of the code: every `interlock ...` command the docs show
exists, the README's Layout names every module, counts match their data, the design page is the
one the code cites, and the packaging offers every extra at once."""

from __future__ import annotations

import argparse
import glob
import os
import re
import tomllib

from conftest import ROOT

DOCS = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))


def _subcommands(parser):
    for act in parser._actions:
        if isinstance(act, argparse._SubParsersAction):
            return act.choices
    return None


def _command_mentions(text):
    """`interlock WORD [WORD...]` in inline code and in code blocks (shell lines)."""
    out = []
    for span in re.findall(r"`([^`\n]+)`", text):
        out.append(span)
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            out.append(line.strip().removeprefix("$ "))
    return [m for m in out if m.startswith("interlock ")]


def test_every_command_the_docs_show_exists():
    """`interlock vault add` (it is `interlock secrets vault add`) and the like: each command path
    in the README and docs/ resolves through the real parser, level by level."""
    from interlock.cli import build_parser

    top = build_parser()
    bad = []
    for path in DOCS:
        if path.endswith("rules.md"):  # the catalogue's examples are what agents must NOT run
            continue
        for m in _command_mentions(open(path, encoding="utf-8").read()):
            words = m.split()[1:]
            parser, seen = top, ["interlock"]
            for w in words:
                choices = _subcommands(parser)
                if choices is None or not re.fullmatch(r"[a-z][a-z-]*", w):
                    break
                if w not in choices:
                    bad.append((os.path.relpath(path, ROOT), m, " ".join(seen + [w])))
                    break
                parser = choices[w]
                seen.append(w)
    assert not bad, bad


def test_readme_layout_names_every_top_level_module_and_package():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    layout = text.split("## Layout", 1)[1]
    src = os.path.join(ROOT, "src", "interlock")
    names = [n for n in os.listdir(src) if n.endswith(".py")] + \
        [n + "/" for n in os.listdir(src) if os.path.isfile(os.path.join(src, n, "__init__.py"))]
    missing = [n for n in names if not re.search(rf"^\s+{re.escape(n)}\s", layout, re.M)]
    assert not missing, missing
    assert len(names) >= 25


def test_secret_pattern_counts_in_the_docs_match_the_data():
    with open(os.path.join(ROOT, "src", "interlock", "analysis", "secret_patterns.toml"), "rb") as f:
        rules = tomllib.load(f)["rules"]
    copied = [r for r in rules if str(r.get("source", "")).startswith("gitleaks")]
    tightened = [r for r in rules if r.get("source") == "gitleaks, tightened"]
    ours = [r for r in rules if r.get("source") == "interlock"]
    assert len(copied) + len(ours) == len(rules)
    doc = " ".join(open(os.path.join(ROOT, "docs", "secrets.md"), encoding="utf-8").read().split())
    assert f"**Provider tokens**: {len(rules)} rules" in doc
    assert f"{len(copied)} are copied from [gitleaks]" in doc
    assert f"{len(tightened)} of them given word boundaries" in doc
    assert f"{len(ours)} are ours" in doc


def test_the_design_the_code_cites_is_in_the_repository():
    cited = []
    for pattern in ("src/**/*.py", "bench/**/*.py", "bench/**/*.md", "docs/*.md", "README.md"):
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            if "DESIGN.md" in open(path, encoding="utf-8").read():
                cited.append(os.path.relpath(path, ROOT))
    assert not cited, cited  # the design lives in docs/architecture.md
    arch = open(os.path.join(ROOT, "docs", "architecture.md"), encoding="utf-8").read()
    for part in ("## Data flow", "## Vocabulary", "## Defaults", "## Layers", "engine.evaluate", "hookd.py",
                 "CREATEDB"):
        assert part in arch, part


def test_no_stale_statements_about_gateways():
    ext = open(os.path.join(ROOT, "docs", "extending.md"), encoding="utf-8").read()
    assert "None ships yet" not in ext and "rejects unknown keys today" not in ext
    for mod in ("gateways/postgres.py", "gateways/http.py", "gateways/https_proxy.py", "gateways/mcp.py"):
        assert mod in ext and os.path.exists(os.path.join(ROOT, "src", "interlock", mod))
    from interlock import engine

    assert "later the gateways" not in engine.__doc__


def test_the_all_extra_installs_every_other_extra():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    extras = project["optional-dependencies"]
    [spec] = extras["all"]
    name, inner = re.fullmatch(r"([a-z]+)\[([a-z0-9,]+)\]", spec).groups()
    assert name == project["name"]
    assert set(inner.split(",")) == set(extras) - {"all", "test"}
