"""The gateways' time budget for judging one request, tool call or statement.

The analysis is bounded in size and depth, but a pathological input can still be slow; a gateway
never waits forever and never lets a slow judgement through: past the budget the decision is
``ask`` naming the limit (a human decides; the request is not sent meanwhile).

``[gateways] analysis_seconds`` is not read here (layers: the gateways read policy through the
engine's Context); the budget comes from ``INTERLOCK_ANALYSIS_SECONDS`` or the default.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, TimeoutError as _Timeout

DEFAULT_SECONDS = 10.0
_POOL = None


def seconds(env=None) -> float:
    raw = (env if env is not None else os.environ).get("INTERLOCK_ANALYSIS_SECONDS")
    try:
        v = float(raw) if raw else DEFAULT_SECONDS
    except ValueError:
        v = DEFAULT_SECONDS
    return v if v > 0 else DEFAULT_SECONDS


def evaluate(action, ctx, env=None):
    """``engine.evaluate(action, ctx)`` within the time budget; past it, an ``ask`` naming the limit."""
    from ..actions import ASK, Decision
    from ..engine import evaluate as _evaluate

    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(8, thread_name_prefix="interlock-analysis")
    import time

    limit = seconds(env)
    t0 = time.monotonic()
    fut = _POOL.submit(_evaluate, action, ctx)
    try:
        d = fut.result(timeout=limit)
        if time.monotonic() - t0 <= limit:
            return d
    except _Timeout:
        pass
    return Decision.failure(f"the analysis did not finish within its time budget ({limit:g} s; "
                                "INTERLOCK_ANALYSIS_SECONDS): not sent unless a human approves", ASK)
