"""What a notebook cell runs: its shell lines and its Python (read by analysis/files.py when a notebook is
written, and by the VS Code adapter when a cell is run).  Imports nothing."""

from __future__ import annotations

_NB_SHELL_MAGICS = ("%%bash", "%%sh", "%%script bash", "%%script sh", "%%shell")


def notebook_code(text: str) -> tuple[list[str], str]:
    """(shell command lines, Python source) of what a notebook cell — or a whole .ipynb written at once — runs:
    `!cmd` lines and `%%bash` cells are shell, `%pip`/`%conda` are their programs, other `%` magics are
    dropped, the rest is Python."""
    sources = [text]
    if text.lstrip().startswith("{"):
        import json

        try:
            nb = json.loads(text)
            sources = ["".join(c.get("source")) if isinstance(c.get("source"), list) else str(c.get("source") or "")
                       for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type", "code") == "code"]
        except (ValueError, AttributeError, TypeError):
            sources = [text]
    shell, py = [], []
    for src in sources[:200]:
        lines = src.split("\n")
        if lines and lines[0].strip().startswith(_NB_SHELL_MAGICS):
            shell.append("\n".join(lines[1:]))
            continue
        for line in lines:
            st = line.strip()
            if st.startswith("!"):
                shell.append(st[1:])
            elif st.startswith(("%pip ", "%conda ")):
                shell.append(st[1:])
            elif st.startswith("%"):
                continue
            else:
                py.append(line)
    return shell, "\n".join(py)
