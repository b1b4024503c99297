"""The PostgreSQL gateway's native relay, the Python side: when a session needs nothing from Python, its two
sockets are relayed by compiled code (``_pgrelay.c``) on a thread of the session's own, until a message needs
the Python path; then everything not yet passed on comes back here, in order, and the session continues as if
it had been relayed by Python all along (docs/gateways.md, "The native relay").

Soundness, in short (the full argument: docs/gateways.md):

* The native side forwards a simple Query (or a Parse's text) only when its exact bytes, or its bytes with every
  digit a ``0``, are a key of :class:`_pgrelay.Cache`; keys are added here only while ``Judge._lock`` is held and the judge's own
  raw caches (``exact_raw``, ``zeroed``→``shapes_raw``, ``tx_raw``) hold them, and the cache is emptied by
  ``Judge.forget`` under the same lock — so it is a subset of the Python path's raw caches at every moment, and
  answers only what the Python path's hottest branch (``Session.from_client``) would answer from them.
* It runs only in the state where that branch is taken (:meth:`_NativePath._native_ok`): no statement judged,
  held, replaced, deferred or granted; search_path at the login's; plain (non-TLS) sockets; no sandbox branch.
  Anything that could leave that state — a Parse or Query not in the cache, FunctionCall, Terminate, a server
  ParameterStatus for client_encoding or search_path — stops the native side before it, and the Python path
  handles it.  Transaction starts/ends from the cache (``BEGIN;``/``END;``) are logged and replayed here
  (``SearchPath.observe_transaction``) before anything else is handled.
* Any error of the native side, or of handing over, closes the session with the reason (never a forward).

``INTERLOCK_PG_NATIVE=0`` turns it off (the pure-Python path; the tests run both).
"""

from __future__ import annotations

import asyncio
import os
import itertools

try:
    from . import _pgrelay
except ImportError:  # not built (no compiler at install): the pure-Python path
    _pgrelay = None

_TX_LOG = 4096          # transaction starts/ends relayed natively before the log is handed back
_BACKOFF_MAX = 256      # ReadyForQuery's seen in Python before trying again after a short native episode
_SHORT = 4              # an episode that passed fewer messages than this was not worth its hand-over
_EOF_REASONS = ("client_eof", "client_error", "upstream_eof", "upstream_error", "poll_error")


def available() -> bool:
    return _pgrelay is not None


def wanted(env=None) -> bool:
    """The native relay is used when built and not turned off (``INTERLOCK_PG_NATIVE=0``)."""
    env = os.environ if env is None else env
    return _pgrelay is not None and env.get("INTERLOCK_PG_NATIVE", "1").strip().lower() not in ("0", "off", "no",
                                                                                                  "false")


class NativeCache:
    """The judge's side of the native relay: the verdict cache (keys added only from the judge's raw caches, under
    its lock) and the relay thread every session of the gateway is handed to."""

    def __init__(self, judge):
        self.judge = judge
        self.cache = _pgrelay.Cache()
        self.words: list[str] = []            # a transaction start/end's words, by the value its key carries
        self.index: dict[str, int] = {}
        self.relay = self.loop = None
        self.off = False                     # a denial could not be recorded: no session is handed over
        self.sessions: dict[int, object] = {}   # episode id → the session the relay holds
        self.ids = itertools.count(1)

    def clear(self):
        """Emptied with the judge's caches (Judge.forget, under its lock); the guard's refusals stay refused."""
        self.cache.clear()
        j = self.judge
        for raw in list(j.must_ask_raw):
            self.deny(raw)
        for text in list(j.must_ask):
            self.deny(text.encode("utf-8", "replace"))

    def deny(self, raw: bytes):
        """A text the in-database guard refused (Judge.must_ask / must_ask_raw): never answered by the relay, even
        by a zeroed key another text of its shape taught it.  If the denial can't be recorded, the relay answers
        nothing from now on."""
        try:
            added = self.cache.add(_pgrelay.DENY, raw)
        except Exception:  # noqa: BLE001
            added = False
        if not added and self.cache.get(_pgrelay.DENY, raw) is None:
            self.off = True
            self.cache.clear()

    def learn(self, raw: bytes, zero_digits: bytes, parse: bool = False):
        """``raw`` (a Query's text bytes, as sent) was just handled by the Python path at the login's search_path:
        copy what the judge's raw caches hold for it (nothing when they hold nothing)."""
        j = self.judge
        with j._lock:
            if j.rehearse is not None or self.off or raw in j.must_ask_raw or (
                    j.must_ask and raw.decode("utf-8", "replace") in j.must_ask):
                return
            if raw in j.exact_raw:
                self.cache.add(_pgrelay.EXACT, raw)
                return
            words = None if parse else j.tx_raw.get(raw)   # (the relay never answers a Parse from these)
            if words is not None:
                i = self.index.get(words)
                if i is None:
                    i = self.index[words] = len(self.words)
                    self.words.append(words)
                self.cache.add(_pgrelay.TX, raw, i)
                return
            if len(raw) <= 2048 and raw.isascii():
                z = raw.translate(zero_digits)
                sh = j.zeroed.get(z)
                if sh is not None and sh in j.shapes_raw:
                    self.cache.add(_pgrelay.ZEROED, z)

    def start(self, session, client: bytes, tail: bytes) -> int:
        """Hand a session's sockets (copies of their fds, the relay's to close) to the relay thread."""
        loop = asyncio.get_running_loop()
        if self.relay is None or self.loop is not loop:   # (a judge served again on another loop: a relay of its own)
            relay = _pgrelay.Relay(self.cache)
            loop.add_reader(relay.fileno(), self._back, relay)
            self.relay, self.loop = relay, loop
        cfd = os.dup(session.ct.get_extra_info("socket").fileno())
        try:
            ufd = os.dup(session.ut.get_extra_info("socket").fileno())
        except OSError:
            os.close(cfd)
            raise
        i = next(self.ids)
        self.sessions[i] = (self.relay, session)
        try:
            self.relay.start(i, cfd, ufd, client, tail, _TX_LOG)
        except BaseException:
            self.sessions.pop(i, None)
            os.close(cfd)
            os.close(ufd)
            raise
        return i

    def stop(self, i: int):
        held = self.sessions.get(i)
        if held is not None:
            held[0].stop(i)

    def _back(self, relay):
        try:
            done = relay.results()
        except Exception as e:  # noqa: BLE001 - every session the relay held is closed: none is forwarded unjudged
            done = [(i, e) for i, (r, _) in list(self.sessions.items()) if r is relay]
        for i, r in done:
            s = self.sessions.pop(i, (None, None))[1]
            if s is not None:
                try:
                    s._native_back(r)
                except Exception as e:  # noqa: BLE001 - one session's failure never stops the others
                    s._native_fail(f"the native relay's hand-back failed ({type(e).__name__})")


class _NativePath:
    """Mixed into pgwire.Session: hand the session's sockets to the native relay and take them back."""

    native_on = 0            # the episode id while the native side holds the sockets
    native_abort = False     # abort() came while it did: done when they come back
    native_skip = 0          # backoff after short episodes
    native_short = 0
    native_plain = False     # both sockets plain TCP/Unix (no TLS): set once after login

    def _native_setup(self):
        nc = getattr(self.judge, "native", None)
        self.native_plain = bool(
            nc is not None and not self.tls and self.ct.get_extra_info("ssl_object") is None
            and self.ut.get_extra_info("ssl_object") is None
            and self.ct.get_extra_info("socket") is not None and self.ut.get_extra_info("socket") is not None)

    def _native_ok(self) -> bool:
        """The state in which the Python path answers from the raw caches alone (see Session.from_client)."""
        j = self.judge
        return (not self.busy and not self.held and not self.buf and not self.stream_left and self.capture is None
                and not self.markers and not self.measured and not self.swallows and not self.stail
                and self.stimer is None and not self.refusing and not self.deferred and not self.poisoned
                and not self.granted and not self.granted_stmts and not self.sp_movers and not self.terminated
                and self.sp.at_login_default() and j.rehearse is None and not j.native.off
                # a client_encoding report whose value the last read cut: Python reads it whole with the next bytes
                and self.utail.find(b"client_encoding\x00") < 0
                and not self.ct.is_closing() and not self.ut.is_closing()
                and not self.ct.get_write_buffer_size() and not self.ut.get_write_buffer_size())

    def _native_try(self):
        """Hand the sockets to the native relay when the session's state allows it."""
        if not self.native_plain or self.native_on or self.native_abort:
            return
        if self.native_skip:
            self.native_skip -= 1
            return
        if not self._native_ok():
            return
        self.ct.pause_reading()           # first: the loop reads neither socket once the relay may
        self.ut.pause_reading()
        try:
            i = self.judge.native.start(self, b"", self.utail)
        except (OSError, RuntimeError, AttributeError, MemoryError):
            self.native_plain = False     # the Python path goes on alone
            self.ut.resume_reading()
            self._reading()
            return
        self.native_on = i

    def _native_back(self, r):
        """The native relay stopped: everything it did not pass on is handled here, in order."""
        self.native_on = 0
        if isinstance(r, BaseException):
            self._native_fail(f"the native relay failed ({type(r).__name__})")
            return
        reason, err, crest, urest, to_c, to_u, tail, tx, cached, passed, lastq = r
        j = self.judge
        if STATS is not None:
            STATS[reason] = STATS.get(reason, 0) + 1
            STATS["passed"] = STATS.get("passed", 0) + passed
        j.stats["cached"] += cached
        words = j.native.words
        try:
            for i in tx:
                self.sp.observe_transaction(words[i])
        except Exception as e:  # noqa: BLE001 - the session's state can't be followed: closed
            self._native_fail(f"the native relay's transaction log could not be followed ({type(e).__name__})")
            return
        if passed < _SHORT and reason not in _EOF_REASONS:
            self.native_short += 1
            self.native_skip = min(_BACKOFF_MAX, 1 << min(self.native_short, 8))
        else:
            self.native_short = 0
        if to_u and not self.ut.is_closing():
            self.ut.write(to_u)
        if to_c and not self.ct.is_closing():
            self.ct.write(to_c)
        self.utail = tail if tail and tail[-1] in _NAME_BYTES else b""   # (pgwire._tail's rule)
        if lastq is not None:
            self.last_q = lastq   # the last Query or Parse text it passed on: what a guard error that follows refers to
        if self.native_abort:
            self.native_abort = False
            self.abort()
            return
        if urest:
            self.from_upstream_read(urest)
        if reason in ("upstream_eof", "upstream_error"):
            self.upstream_lost()
            return
        if reason in ("client_eof", "client_error"):
            self.client_lost()
            return
        if reason == "poll_error":
            self._native_fail(f"the native relay could not poll the sockets (errno {err})")
            return
        if crest:
            self.from_client(crest)
            if not self.refusing and self.sp.at_login_default() and len(crest) >= 5:
                n = int.from_bytes(crest[1:5], "big")
                if crest[:1] == b"Q" and len(crest) >= n + 1 and crest[n] == 0:
                    j.native.learn(crest[5:n], _ZERO)
                elif crest[:1] == b"P" and len(crest) >= n + 1:   # a Parse's text (its exact or zeroed key only)
                    name_end = crest.find(b"\x00", 5, n + 1)
                    text_end = crest.find(b"\x00", name_end + 1, n + 1) if name_end >= 0 else -1
                    if text_end >= 0:
                        j.native.learn(crest[name_end + 1:text_end], _ZERO, parse=True)
        if not self.ut.is_closing():
            self.ut.resume_reading()
        self._reading()
        if not self.busy:
            self._native_try()

    def _native_fail(self, message: str):
        self._violation(message, [])
        self.ut.close()

    def native_stop(self) -> bool:
        """Called by abort(): True when the native side holds the sockets (told to hand them back; abort() runs
        when they are back)."""
        if self.native_on:
            self.native_abort = True
            try:
                self.judge.native.stop(self.native_on)
            except Exception:  # noqa: BLE001 - it hands them back anyway at its next event
                pass
            return True
        return False


#: INTERLOCK_PG_NATIVE_STATS=1: why episodes ended, and the messages they passed (logged when the gateway stops)
STATS = {} if os.environ.get("INTERLOCK_PG_NATIVE_STATS") == "1" else None
_NAME_BYTES = frozenset(b"client_encoding")
_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
