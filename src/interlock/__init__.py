"""Interlock: a safety interlock between AI coding agents and the systems they can damage."""

__version__ = "0.1.0"
