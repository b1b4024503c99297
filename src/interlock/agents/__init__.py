"""The agents Interlock guards: one registry line each, one module each (``interlock.agents.<name>``).

An agent's module holds everything Interlock knows about it: hook payload → Action (``parse``),
Decision → the agent's reply (``render``, ``emergency``), the settings writer and where its
settings live (``INSTALL``), the shell fallback when the hook's process dies (``FALLBACK``), and
for the three driven agents how to run its real binary against a scripted model.  Every other
part of Interlock — the CLI, ``init``/``uninstall``, ``doctor``, the hook daemon, system mode,
the gateways and self-protection — reads the agents from :data:`REGISTRY`.

This file stays import-free (it sits on the hook's hot path, and self-protection, below the
analysis layer, reads :data:`PROTECTED_SETTINGS` from it): a registry line is data only.  The
driven agents' common session runner is :mod:`interlock.agents.driver` (its names are
re-exported here lazily: ``agents.run``, ``agents.find_binary``...).
"""

from __future__ import annotations


class Entry:
    """One registry line: the agent's name (``interlock hook NAME``), its module under
    ``interlock.agents``, the hook-settings files (relative to the home or the project) that an
    agent must never edit — they are what makes its hook run — and, for agents whose stdio MCP
    servers ``interlock init --mcp`` routes through the proxy, its MCP server list (project file,
    user file).  Self-protection reads both, below the analysis layer: so they are data here."""

    __slots__ = ("name", "module", "protects", "mcp")

    def __init__(self, name, module, protects, mcp=None):
        self.name, self.module, self.protects, self.mcp = name, module, tuple(protects), mcp

    def __repr__(self):
        return f"Entry({self.name!r}, {self.module!r})"


REGISTRY = {e.name: e for e in (
    Entry("claude-code", "claude_code", (".claude/settings.json", ".claude/settings.local.json"),
          mcp=(".mcp.json", ".claude.json")),
    # (cli.json / cli-config.json: the Cursor CLI's permissions — what it runs without asking)
    Entry("cursor", "cursor", (".cursor/hooks.json", ".cursor/cli.json", ".cursor/cli-config.json"), mcp=(".cursor/mcp.json", ".cursor/mcp.json")),
    Entry("codex", "codex", (".codex/hooks.json", ".codex/config.toml", ".codex/rules/interlock.rules"),
          mcp=(".codex/config.toml", ".codex/config.toml")),
    # (the policy file is init's backstop: deny rules Gemini CLI applies itself, a second layer)
    Entry("gemini", "gemini", (".gemini/settings.json", ".gemini/policies/interlock.toml"),
          mcp=(".gemini/settings.json", ".gemini/settings.json")),
    # (config.json: Copilot CLI's trusted folders and allowed URLs — where it acts without asking)
    Entry("copilot", "copilot", (".github/hooks/interlock.json", ".copilot/hooks/interlock.json", ".copilot/config.json")),
    # .vscode/settings.json is protected under the home only (selfprotect): a project's is ordinary work
    # (and the user settings, where chat.tools.global.autoApprove turns every tool's confirmation off)
    Entry("vscode", "vscode", (".vscode/settings.json", ".github/hooks/interlock-vscode.json",
                               ".config/Code/User/settings.json", "Library/Application Support/Code/User/settings.json",
                               ".config/Code - Insiders/User/settings.json")),
    Entry("windsurf", "windsurf", (".windsurf/hooks.json", ".codeium/windsurf/hooks.json")),
)}

AGENTS = tuple(REGISTRY)

#: every agent's protected hook-settings files, in registry order
PROTECTED_SETTINGS = tuple(dict.fromkeys(p for e in REGISTRY.values() for p in e.protects))


def module_name(agent: str) -> str:
    return f"interlock.agents.{REGISTRY[agent].module}"


def module(agent: str):
    """The agent's module (KeyError for an agent not in the registry)."""
    import importlib

    return importlib.import_module(f"interlock.agents.{REGISTRY[agent].module}")


_DRIVER = ("PACKAGES", "DRIVEN", "find_binary", "clean_env", "Session", "run")


def __getattr__(name):
    if name in _DRIVER:
        from . import driver

        return getattr(driver, name)
    raise AttributeError(f"module 'interlock.agents' has no attribute {name!r}")


#: an agent's hook may wait for a human's approval (``APPROVAL_WAIT_CAP_S``) at most its registered hook
#: timeout less this: the process start, the analysis budget, filing the request and the snapshot after a
#: grant (the wait's own alarm adds 5 s) — past the timeout the agent kills the hook, and every driven
#: agent then runs the tool (docs/agents.md)
APPROVAL_MARGIN_S = 10

#: what an agent's shell fallback says when Interlock's own process dies (each agent's ``FALLBACK``
#: says it in the agent's terms: exit 2 alone does not block Codex JSON, Copilot or Gemini CLI)
CRASH_MESSAGE = "Interlock could not run (its process failed); blocked by default. Tell the user."


class TextFile:
    """A file ``interlock init`` writes whole beside an agent's settings (a backstop: Codex's rules,
    Gemini CLI's policy); ``--no-backstop`` skips it, ``uninstall`` deletes it.  ``text()`` its
    content, ``what`` what init says it wrote, ``name`` what uninstall says it removed."""

    __slots__ = ("text", "what", "name")

    def __init__(self, text, what, name):
        self.text, self.what, self.name = text, what, name


class Install:
    """Where an agent keeps its hook settings and how to tell it is used here (``interlock init``):
    its config directories under the home, its programs, its project directories, the settings
    file per scope, the writer that merges Interlock's hook into it, and a note shown after."""

    __slots__ = ("name", "label", "home_dirs", "programs", "project_dirs", "project_file", "user_file", "writer",
                 "note")

    def __init__(self, name, label, home_dirs, programs, project_dirs, project_file, user_file, writer, note=""):
        self.name, self.label = name, label
        self.home_dirs, self.programs, self.project_dirs = home_dirs, programs, project_dirs
        self.project_file, self.user_file, self.writer, self.note = project_file, user_file, writer, note

    def settings_path(self, root: str, home: str, user: bool) -> str:
        import os

        return os.path.join(home, self.user_file) if user else os.path.join(root, self.project_file)
