"""The one redactor: secrets never appear in Interlock's output, logs or exceptions."""

from __future__ import annotations

import re

from .memo import remember, table

# Cheap pre-check: text without any of these cannot match a pattern below, so most
# commands skip the regexes (and their compilation on the hook's path).
_MARKERS = ("token", "secret", "passw", "key", "auth", "bearer", "://", "gh", "sk-", "sk_", "akia", "asia",
            "-----begin", "xox", "eyj", "npm_", "pypi-", "glpat", "aiza", "rk_", "credential", "basic")
_GATED = None


def _gated():
    """(markers, pattern, replacement) in order: each pattern with the lower-case substrings one of
    which any match of it contains (a superset test: only a regex that could not match is skipped)."""
    global _GATED
    if _GATED is None:
        _GATED = _build()
    return _GATED


def _patterns():
    """Every (pattern, replacement), ungated."""
    return [(p, r) for _g, p, r in _gated()]


def _build():
    return [
    # Authorization headers
    (("authorization",),
     re.compile(r"(?i)(authorization\s*:\s*(?:bearer|basic|token)?\s*)([^\s'\"]+)"), r"\1[REDACTED]"),
    (("bearer", "token"), re.compile(r"(?i)((?:bearer|token)\s+)([A-Za-z0-9._~+/=-]{12,})"), r"\1[REDACTED]"),
    # key=value / key: value where the key names a secret
    (("token", "secret", "passw", "key", "credential"),
     re.compile(r"(?i)\b([A-Z0-9_.-]{0,48}(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
                r"CREDENTIALS?|AUTH_?KEY)[A-Z0-9_]{0,48})(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s'\"&;|]+)"), r"\1\2[REDACTED]"),
    # well-known token shapes
    (("gh", "github_pat_", "glpat-", "xox", "sk-", "akia", "asia", "aiza", "npm_", "pypi-", "sk_live_", "rk_live_",
      "eyj"),
     re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}|"
                r"xox[abposr]-[A-Za-z0-9-]{10,}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|"
                r"ASIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_-]{30,}|"
                r"sk_live_[A-Za-z0-9]{16,}|rk_live_[A-Za-z0-9]{16,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\."
                r"[A-Za-z0-9_-]{10,})"), "[REDACTED]"),
    # passwords in URLs: scheme://user:pass@host
    (("://",), re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^:/@\s]{1,256}:)([^@/\s]+)(@)"), r"\1[REDACTED]\3"),
    # -p'password' style for common clients
    (("--password",), re.compile(r"(\s--password[= ])(\S+)"), r"\1[REDACTED]"),
    (("-----begin",), re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
     "[REDACTED PRIVATE KEY]"),
]


_MASK = None  # literal_secrets.mask_secrets, imported on first use
_MEMO = table()  # text -> redacted text: the same command is redacted for each finding and the log


def redact(text):
    """Mask anything that looks like a secret in ``text`` (str, or nested lists/dicts of str)."""
    if isinstance(text, str):
        done = _MEMO.get(text)
        if done is not None:
            return done
        out = _redact_str(text)
        if len(text) <= 4096:
            remember(_MEMO, text, out, 512)
        return out
    if isinstance(text, dict):
        return {k: redact(v) for k, v in text.items()}
    if isinstance(text, (list, tuple)):
        return [redact(v) for v in text]
    return text


def _redact_str(text):
    if len(text) > 65_536:
        # outputs and logs never need more; bounded input keeps every pattern linear
        text = text[:65_536] + f"...[{len(text) - 65_536} more characters]"
    global _MASK
    try:
        if _MASK is None:
            from .analysis.literal_secrets import mask_secrets as _MASK
        text = _MASK(text)  # provider patterns: keeps a short recognisable prefix
    except Exception:  # the regexes below still apply
        pass
    low = text.lower()
    for m in _MARKERS:  # a loop, not any(<generator>): this runs for every finding shown
        if m in low:
            break
    else:
        return text
    for markers, pat, repl in _gated():
        for m in markers:  # a pattern cannot match without one of its own markers
            if m in low:
                text = pat.sub(repl, text)
                low = text.lower()
                break
    return text
