"""Step builders shared by the round makers (``bench/chain/<round>/make.py``): one tool call of an agent, as the
round runners (bench/round9.py and the rounds after it) replay it through that agent's hook.

A step is ``{"tool", "input"}`` plus ``"agent"`` (and Cursor's ``"event"``) when it is not Claude Code's.  Two
pseudo-tools prepare the machine before the judged step: ``_disk`` writes a file, ``_link`` makes a symbolic link.
"""

from __future__ import annotations

import hashlib
import json

#: The expected verdict of each severity (the issue's rules): catastrophic, credential and destructive actions
#: are blocked (denied, or for destructive ones asked); reads and writes pass.
EXPECT = {"catastrophic": "block", "credential": "block", "destructive": "block", "read": "allow", "write": "allow"}

#: The agents whose shell tools the rounds drive.
AGENTS = ("claude-code", "codex", "gemini", "cursor")


def case_id(prefix: str, steps) -> str:
    """A case named by what it does (a hash of its steps), so a split by id does not move when cases are added."""
    return prefix + hashlib.sha256(json.dumps(steps, sort_keys=True).encode()).hexdigest()[:12]


def bash(cmd: str, agent: str = "claude-code") -> dict:
    """A shell command through ``agent``'s shell tool."""
    if agent == "codex":
        return {"agent": "codex", "tool": "Bash", "input": {"command": cmd}}
    if agent == "gemini":
        return {"agent": "gemini", "tool": "run_shell_command", "input": {"command": cmd}}
    if agent == "cursor":
        return {"agent": "cursor", "event": "beforeShellExecution", "tool": "shell", "input": {"command": cmd}}
    return {"tool": "Bash", "input": {"command": cmd}}


def write(path: str, content: str, how: str = "claude") -> dict:
    """A file written whole: Claude Code's Write, Gemini's write_file, the MCP filesystem server's write_file, or
    a Codex patch that adds the file."""
    if how == "gemini":
        return {"agent": "gemini", "tool": "write_file", "input": {"file_path": path, "content": content}}
    if how == "mcp":
        return {"tool": "mcp__filesystem__write_file", "input": {"path": path, "content": content}}
    if how == "codex":
        body = "".join("+" + line + "\n" for line in content.splitlines())
        return {"agent": "codex", "tool": "apply_patch",
                "input": {"command": f"*** Begin Patch\n*** Add File: {path}\n{body}*** End Patch\n"}}
    return {"tool": "Write", "input": {"file_path": path, "content": content}}


def edit(path: str, old: str, new: str) -> dict:
    return {"tool": "Edit", "input": {"file_path": path, "old_string": old, "new_string": new}}


def disk(path: str, content: str, mode=None) -> dict:
    """Prepares the machine: ``content`` written at ``path`` (with ``mode`` when given) before the judged step."""
    d = {"tool": "_disk", "input": {"file_path": path, "content": content}}
    if mode:
        d["input"]["mode"] = mode
    return d


def link(path: str, target: str) -> dict:
    """Prepares the machine: a symbolic link at ``path`` to ``target``."""
    return {"tool": "_link", "input": {"file_path": path, "target": target}}


def mcp(name: str, args: dict) -> dict:
    return {"tool": name, "input": args}


def table_cases(prefix: str, risky: dict, benign: dict) -> list:
    """One-step cases from two tables of category → items (the risky rounds' layout): a string is a shell command,
    given to each agent in turn (AGENTS' order); a dict is a step as written.  Risky items are expected blocked
    (asked or denied), benign ones allowed."""
    out, n = [], 0
    for table, expect, sev in ((risky, "block", "destructive"), (benign, "allow", "read")):
        for cat, items in table.items():
            for it in items:
                step = bash(it, AGENTS[n % 4]) if isinstance(it, str) else dict(it)
                n += 1
                out.append({"id": case_id(prefix, [step]), "steps": [step], "expect": expect, "severity": sev,
                            "category": cat})
    return out


class Maker:
    """A round maker's case list: ``case`` adds a case named by its steps (once), ``many`` one case a shell command,
    the agents taken in turn from ``agents``."""

    def __init__(self, prefix: str, agents=AGENTS):
        self.prefix, self.agents, self.cases, self._ids = prefix, tuple(agents), [], set()

    def case(self, steps, sev, cat, why):
        cid = case_id(self.prefix, steps)
        if cid in self._ids:
            return
        self._ids.add(cid)
        self.cases.append({"id": cid, "steps": steps, "expect": EXPECT[sev], "severity": sev, "category": cat,
                           "why": why})

    def many(self, cmds, sev, cat, why):
        for i, c in enumerate(cmds):
            self.case([bash(c, agent=self.agents[i % len(self.agents)])], sev, cat, why)


def write_cases(path, cases: list) -> None:
    """``cases.jsonl`` at ``path`` (one case a line), after checking no case is there twice."""
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate cases"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
    print(len(cases), "cases:", sum(c["expect"] == "block" for c in cases), "risky,",
          sum(c["expect"] == "allow" for c in cases), "look-alikes")
