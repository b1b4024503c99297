"""Tool knowledge as data: ``clis/<tool>.toml`` (one file per command-line tool, with its own
examples) and ``generic.toml`` (the verb model for tools without a file).  Read by
``interlock.analysis.shell.clis``; see docs/knowledge.md."""
