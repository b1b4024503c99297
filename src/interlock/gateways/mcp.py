"""The MCP gateway: ``interlock mcp-proxy [--name NAME] -- SERVER COMMAND…``.

A stdio MCP server to the agent and a stdio MCP client to the real server, which it spawns.
It relays JSON-RPC messages, built on the official ``mcp`` SDK's stdio transports and
message types, and interprets only what it must:

* ``tools/call`` — judged before it is forwarded: tool name + arguments become the same
  ``mcp_call`` Action the agent hooks build (analysis/mcp.py: SQL, shell commands, HTTP and
  GraphQL requests, paths and tokens in the arguments; destructive tool names), plus the
  upstream tool's ``destructiveHint`` annotation.  ``allow`` → forwarded unchanged;
  ``deny`` → a tool result with ``isError: true`` and Interlock's reason; ``ask`` → the
  human confirms in the client through elicitation when the client declared it
  (``elicitation/create`` in the handshake era, an ``InputRequiredResult`` whose
  HMAC-protected ``requestState`` is bound to this exact call in the 2026-07-28 era), else
  the out-of-band approval flow of the hooks (``interlock approve ID``; the identical call
  retried is allowed once: approvals/hook.py).
* ``tools/list`` results — tools Interlock considers destructive are marked for the client
  (``annotations.destructiveHint: true``, ``_meta["anthropic/requiresUserInteraction"]``)
  and every tool's annotations are remembered for judging calls.

Everything else (initialize, server/discover, resources, prompts, completion, logging,
notifications both ways, server→client requests such as sampling, roots and the server's own
elicitations) passes through byte for byte as JSON, so both protocol eras are relayed as far
as client and server speak them.  A relay rather than the SDK's typed Server/ClientSession
pair keeps fields and methods this SDK version does not model intact.

Fail closed: a call Interlock could not judge is never forwarded (``isError`` result); a
malformed message from the client gets a JSON-RPC error; when the server dies mid-call every
pending request is answered with an error and the proxy exits.  Every call is recorded in
the audit log (redacted).  The SDK is imported only when the proxy runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time

#: Where the 2026-07-28 era carries protocol data on every request.
META_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CAPS = "io.modelcontextprotocol/clientCapabilities"
META_INFO = "io.modelcontextprotocol/clientInfo"
#: The key of Interlock's own input request in an InputRequiredResult, and its requestState prefix.
INPUT_KEY = "interlock_approval"
STATE_PREFIX = "interlock1."
REQUIRES_USER = "anthropic/requiresUserInteraction"
AGENT = "mcp"
CHANNEL_ELICIT = "mcp-elicitation"
ELICIT_TIMEOUT_S = 600.0


def add_parser(sub):
    """``interlock mcp-proxy``: stdlib only until it runs."""
    p = sub.add_parser("mcp-proxy", help="wrap a stdio MCP server: every tools/call is judged "
                                         "(interlock mcp-proxy --name NAME -- COMMAND ARGS...)")
    p.add_argument("--name", default=None, help="the server's name in the agent's MCP config (default: the "
                                                 "command's name); tool calls are judged as mcp NAME/TOOL")
    p.add_argument("--system", action="store_true",
                   help="system mode: connect to the service-run MCP gateway NAME (interlock gateway mcp --system) "
                        "instead of starting a server: its credentials never reach this user")
    p.add_argument("server", nargs="*", metavar="-- COMMAND", help="the real MCP server's command line")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    argv = list(args.server)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if getattr(args, "system", False):
        if argv or not args.name:
            sys.stderr.write("interlock mcp-proxy --system --name NAME: the server is the system policy's "
                             "[gateways.mcp.NAME]; give no command\n")
            return 2
        from .mcp_system import client

        return client(args.name)
    if not argv:
        sys.stderr.write("interlock mcp-proxy: no server command (interlock mcp-proxy -- COMMAND ARGS...)\n")
        return 2
    name = args.name or os.path.basename(argv[0])
    try:
        import mcp  # noqa: F401
    except ImportError:
        sys.stderr.write("interlock mcp-proxy needs the MCP SDK: pip install 'interlock[mcp]'\n")
        return 2
    return run(name, argv)


def run(name, argv, env=None, cwd=None) -> int:
    """Serve the agent on this process's stdin/stdout until either side goes away."""
    import anyio

    env = dict(os.environ if env is None else env)
    proxy = Proxy(name, argv, env=env, cwd=cwd or os.getcwd())
    state = None
    try:  # `interlock status` lists it (removed when the proxy exits)
        from .http import _write_state

        state = _write_state(env, {"kind": "mcp", "pid": os.getpid(), "url": f"stdio mcp-proxy {name}",
                                   "started": time.time()}, kind="mcp")   # no argv: it may hold a token
    except Exception:  # noqa: BLE001 - status is a convenience; the proxy runs regardless
        pass
    try:
        return anyio.run(proxy.serve)
    except KeyboardInterrupt:
        return 130
    finally:
        if state:
            try:
                os.unlink(state)
            except OSError:
                pass


# --- decisions: pure apart from the engine --------------------------------------------------------

def _argument_roles(schema) -> dict:
    try:
        from ..analysis.mcp_roles import argument_roles

        return argument_roles(schema)
    except Exception:
        return {}


def tool_annotations(tool: dict) -> dict:
    a = tool.get("annotations") if isinstance(tool, dict) else None
    return a if isinstance(a, dict) else {}


def result_text(text: str, modern: bool) -> dict:
    r = {"content": [{"type": "text", "text": text}], "isError": True}
    if modern:
        r["resultType"] = "complete"
    return r


def deny_text(decision, action) -> str:
    from ..adapters import approval_message, summarize

    body = summarize(decision)
    ap = approval_message(decision, _Event(action), body)
    if ap:
        return ap[1]
    if decision.decision == "ask":  # an ask nobody can answer here (Interlock's own error, no channel)
        return (f"Interlock: this {decision.severity} tool call needs a human's approval and none could be "
                f"asked for.\n{body}\nDo not retry it; tell the user what you wanted to do and why.")
    return (f"Interlock blocked this tool call ({decision.severity}).\n{body}\n"
            "Do not retry this or a variant of it, and do not look for another way to do the same thing. "
            "If it is really needed, tell the user what you wanted to do and why; only they can run it "
            "or change the Interlock policy.")


class _Event:
    """What approvals/hook.py reads from an agent hook's event."""

    __slots__ = ("action", "name")

    def __init__(self, action, name="tools/call"):
        self.action = action
        self.name = name


class Judge:
    """Tool calls → Decisions with the engine (runs in a worker thread: it may read files,
    the policy and the approvals store)."""

    def __init__(self, name, env, cwd):
        self.name = name
        self.env = env
        self.cwd = cwd
        self.session = f"mcp-{name}-{os.getpid()}-{secrets.token_hex(4)}"
        self.roles = {}  # tool -> {argument: "shell" | "sql" | "data"} from its inputSchema
        self.caller = None  # system mode: the connected agent (uid, name, pid), recorded with each call

    def context(self):
        from ..engine import Context

        return Context(self.cwd, env=self.env)

    def action(self, tool, arguments, annotations, ctx):
        from ..actions import MCP_CALL, Action

        payload = {"server": self.name, "tool": tool, "arguments": arguments}
        hint = {k: annotations[k] for k in ("destructiveHint", "readOnlyHint") if k in annotations}
        if hint:
            payload["annotations"] = hint
        if self.roles.get(tool):
            payload["roles"] = self.roles[tool]
        return Action(MCP_CALL, payload, agent=AGENT, session=self.session, cwd=self.cwd,
                      workspace=ctx.workspace, tool=f"mcp__{self.name}__{tool}")

    def evaluate(self, tool, arguments, annotations):
        """(action, decision, ctx); never raises (a failure is a fail-closed decision)."""
        from ..actions import DENY, Decision
        from ..redact import redact

        try:
            ctx = self.context()
            action = self.action(tool, arguments, annotations, ctx)
        except Exception as e:
            return None, Decision.failure(f"{type(e).__name__}: {redact(str(e))[:300]}", DENY), None
        from .budget import evaluate

        return action, evaluate(action, ctx, self.env), ctx

    def out_of_band(self, action, decision, ctx):
        """File or redeem an approval exactly as the hooks do; errors leave the decision standing."""
        from ..redact import redact

        try:
            from ..approvals import hook

            return hook.handle(AGENT, _Event(action), decision, ctx, self.env, time.monotonic())
        except Exception as e:
            decision.reasons.append(f"(approval request not filed: {type(e).__name__}: {redact(str(e))[:200]})")
            return decision

    def approvable(self, decision, ctx) -> bool:
        try:
            from ..approvals import hook, settings

            return hook.approvable(decision, ctx.policy, settings(ctx.policy))
        except Exception:
            return False

    def approved_in_client(self, action, decision, ctx, who):
        """An ``ask`` the human accepted in the client: allowed, after the snapshot safeguard."""
        from ..actions import ALLOW, Decision
        from ..approvals import hook

        d = Decision(ALLOW, decision.severity, decision.findings,
                     [f"approved by {who} via {CHANNEL_ELICIT}"] + decision.reasons)
        d.approval = {"mode": CHANNEL_ELICIT, "approvers": [who], "state": "approved"}
        return hook._guarded(d, action, decision, ctx)

    def destructive_tools(self, tools):
        """Names of listed tools Interlock would not run without a human (judged with no arguments)."""
        from ..actions import ALLOW

        out = set()
        try:
            ctx = self.context()
        except Exception:
            return out
        from ..engine import analyze, decide

        for t in tools:
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                continue
            try:
                action = self.action(t["name"], {}, tool_annotations(t), ctx)
                d = decide(analyze(action, ctx), ctx.policy)
            except Exception:
                continue
            if d.decision != ALLOW and d.severity in ("destructive", "catastrophic"):
                out.add(t["name"])
        return out

    def audit(self, action, decision, tool, arguments, extra):
        from ..audit import open_log
        from ..policy import state_dir

        args = json.dumps(arguments, ensure_ascii=False, default=str, sort_keys=True)
        text = f"mcp {self.name}/{tool} {args[:2000]}"
        try:
            open_log(state_dir(self.env), self.env).append(
                action=text, decision=decision, agent=AGENT, session=self.session, cwd=self.cwd,
                tool=f"mcp__{self.name}__{tool}", digest=action.digest() if action is not None else None,
                extra=dict({"gateway": "mcp", "server": self.name}, **({"caller": self.caller} if self.caller else {}),
                           **(extra or {})))
        except Exception as e:  # the decision stands; the failure is reported
            decision.reasons.append(f"(audit log not written: {type(e).__name__}: {e})")
            _log(f"audit log not written: {type(e).__name__}: {e}")


def _log(msg):
    from ..redact import redact

    try:
        sys.stderr.write(f"interlock mcp-proxy: {redact(msg)}\n")
        sys.stderr.flush()
    except Exception:
        pass


# --- requestState for the 2026-07-28 era: bound to this exact call, single use, short-lived ----------

class StateSigner:
    def __init__(self, ttl_s=ELICIT_TIMEOUT_S):
        self.key = secrets.token_bytes(32)
        self.ttl_s = ttl_s
        self.used = set()

    def issue(self, digest: str) -> str:
        body = json.dumps({"d": digest, "x": time.time() + self.ttl_s, "n": secrets.token_hex(8)},
                          separators=(",", ":")).encode()
        b = base64.urlsafe_b64encode(body).decode().rstrip("=")
        return STATE_PREFIX + b + "." + hmac.new(self.key, b.encode(), hashlib.sha256).hexdigest()

    def redeem(self, token, digest: str) -> str | None:
        """None when the token is good for this call (and now used up), else why not."""
        if not isinstance(token, str) or not token.startswith(STATE_PREFIX):
            return "not Interlock's request state"
        b, _, mac = token[len(STATE_PREFIX):].rpartition(".")
        if not hmac.compare_digest(hmac.new(self.key, b.encode(), hashlib.sha256).hexdigest(), mac):
            return "the request state was forged or comes from another proxy"
        try:
            body = json.loads(base64.urlsafe_b64decode(b + "=" * (-len(b) % 4)))
        except ValueError:
            return "the request state is unreadable"
        if body.get("d") != digest:
            return "the request state was issued for a different call"
        if body.get("x", 0) < time.time():
            return "the request state expired"
        if body.get("n") in self.used:
            return "the request state was already used"
        self.used.add(body.get("n"))
        return None


# --- the relay ----------------------------------------------------------------------------------------

class Proxy:
    def __init__(self, name, argv, env, cwd, server_env=None):
        self.name = name
        self.argv = argv
        self.env = env
        self.server_env = server_env  # the server's variables when not the judging environment (system mode)
        self.cwd = cwd
        self.judge = Judge(name, env, cwd)
        self.signer = StateSigner()
        self.client_caps = {}         # handshake era: initialize's capabilities
        self.client_info = {}
        self.client_version = None
        self.tools = {}               # name -> the upstream's tool object (annotations as the server sent them)
        self.tools_known = False
        self.forwarded = {}           # client request id -> method (to answer if the server dies)
        self.list_ids = set()         # client tools/list ids whose results we mark
        self.own = {}                 # our request id -> [anyio.Event, response]
        self.seq = 0
        self.tag = secrets.token_hex(4)
        self.upstream_gone = False
        self.closing = False
        self.tg = None

    async def serve(self) -> int:
        """Relay until the client closes stdin (0) or the server goes away (1).

        When the server dies first, every pending request is answered, the server's process
        is reaped by the SDK's transport, and the process exits at once: the client may keep
        our stdin open, and the SDK's stdin reader only ends at EOF."""
        import anyio
        from mcp.client.stdio import StdioServerParameters, stdio_client
        from mcp.server.stdio import stdio_server

        params = StdioServerParameters(command=self.argv[0], args=self.argv[1:],
                                       env=self.env if self.server_env is None else self.server_env, cwd=self.cwd)
        async with stdio_server() as (c_read, c_write):
            self.c_write = c_write
            try:
                async with stdio_client(params) as (s_read, s_write):
                    self.s_write = s_write
                    async with anyio.create_task_group() as tg:
                        self.tg = tg
                        tg.start_soon(self._from_server, s_read)
                        await self._from_client(c_read)
                        self.closing = True
                        tg.cancel_scope.cancel()
            except OSError as e:
                _log(f"could not start the MCP server {self.argv[0]!r}: {e}")
                self.upstream_gone = True
            if self.upstream_gone and not self.closing:
                await c_write.aclose()
                await anyio.sleep(0.2)  # the SDK's stdout writer drains what was already accepted
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(1)
            await c_write.aclose()
        return 0

    # --- client → server
    async def _from_client(self, c_read):
        from mcp_types import JSONRPCError, JSONRPCNotification, JSONRPCRequest

        async for msg in c_read:
            if isinstance(msg, Exception):
                await self._malformed(msg)
                continue
            m = msg.message
            if isinstance(m, JSONRPCRequest):
                if m.method == "initialize":
                    p = m.params or {}
                    self.client_caps = p.get("capabilities") if isinstance(p.get("capabilities"), dict) else {}
                    self.client_info = p.get("clientInfo") if isinstance(p.get("clientInfo"), dict) else {}
                    self.client_version = p.get("protocolVersion")
                if m.method == "tools/call":
                    self.tg.start_soon(self._call, m)
                    continue
                if m.method == "tools/list":
                    self.list_ids.add(m.id)
                self.forwarded[m.id] = m.method
                await self._to_server(msg)
            elif isinstance(m, JSONRPCNotification):
                await self._to_server(msg)
            else:  # a response: to our own request, or to one the server sent the client
                waiter = self.own.get(m.id) if isinstance(m.id, str) else None
                if waiter is not None:
                    waiter[1] = m
                    waiter[0].set()
                    continue
                if isinstance(m, JSONRPCError) and m.id is None:
                    continue
                await self._to_server(msg)

    async def _to_server(self, msg):
        import anyio

        if self.upstream_gone:
            return
        try:
            await self.s_write.send(msg)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            self.upstream_gone = True

    async def _to_client(self, message):
        import anyio
        from mcp.shared.message import SessionMessage

        try:
            await self.c_write.send(SessionMessage(message))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass

    async def _respond(self, rid, result):
        from mcp_types import JSONRPCResponse

        self.forwarded.pop(rid, None)
        await self._to_client(JSONRPCResponse(jsonrpc="2.0", id=rid, result=result))

    async def _error(self, rid, code, message):
        from mcp_types import ErrorData, JSONRPCError

        self.forwarded.pop(rid, None)
        await self._to_client(JSONRPCError(jsonrpc="2.0", id=rid, error=ErrorData(code=code, message=message)))

    async def _malformed(self, exc):
        from mcp_types import INVALID_REQUEST, PARSE_ERROR

        kinds = set()
        try:
            kinds = {e.get("type") for e in exc.errors()}
        except Exception:
            pass
        if "json_invalid" in kinds or not kinds:
            await self._error(None, PARSE_ERROR, "Parse error: not a JSON message (Interlock's MCP gateway)")
        else:
            await self._error(None, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message")

    # --- server → client
    async def _from_server(self, s_read):
        from mcp_types import JSONRPCNotification, JSONRPCRequest, JSONRPCResponse

        try:
            async for msg in s_read:
                if isinstance(msg, Exception):
                    _log(f"the MCP server {self.name!r} sent a message that is not JSON-RPC; dropped")
                    continue
                m = msg.message
                if isinstance(m, (JSONRPCRequest, JSONRPCNotification)):
                    if isinstance(m, JSONRPCNotification) and m.method == "notifications/tools/list_changed":
                        self.tools_known = False
                    await self._to_client(m)
                    continue
                waiter = self.own.get(m.id) if isinstance(m.id, str) else None
                if waiter is not None:
                    waiter[1] = m
                    waiter[0].set()
                    continue
                if isinstance(m, JSONRPCResponse) and m.id in self.list_ids:
                    self.list_ids.discard(m.id)
                    await self._mark_tools(m.result)
                self.forwarded.pop(m.id, None)
                await self._to_client(m)
        finally:
            if not self.closing:
                await self._upstream_ended()

    async def _upstream_ended(self):
        import anyio

        self.upstream_gone = True
        with anyio.CancelScope(shield=True):
            _log(f"the MCP server {self.name!r} ({self.argv[0]}) exited; answering what was pending and stopping")
            for rid, method in list(self.forwarded.items()):
                if method == "tools/call":
                    await self._respond(rid, result_text(
                        f"Interlock: the MCP server {self.name!r} exited before answering this tool call; "
                        "whether it ran is unknown. Tell the user.", False))
                else:
                    await self._error(rid, -32603, f"the MCP server {self.name!r} exited before answering")
            for w in list(self.own.values()):
                w[0].set()
        if self.tg is not None:
            self.tg.cancel_scope.cancel()

    async def _mark_tools(self, result):
        import anyio

        tools = result.get("tools") if isinstance(result, dict) else None
        if not isinstance(tools, list):
            return
        for t in tools:
            if isinstance(t, dict) and isinstance(t.get("name"), str):
                self.tools[t["name"]] = json.loads(json.dumps(t))
                self.judge.roles[t["name"]] = _argument_roles(t.get("inputSchema"))
        if not result.get("nextCursor"):
            self.tools_known = True
        flagged = await anyio.to_thread.run_sync(self.judge.destructive_tools, tools)
        for t in tools:
            if isinstance(t, dict) and t.get("name") in flagged:
                ann = t.get("annotations") if isinstance(t.get("annotations"), dict) else {}
                ann["destructiveHint"] = True
                if ann.get("readOnlyHint"):
                    ann["readOnlyHint"] = False
                t["annotations"] = ann
                meta = t.get("_meta") if isinstance(t.get("_meta"), dict) else {}
                meta[REQUIRES_USER] = True
                t["_meta"] = meta

    async def _request(self, to_server: bool, method: str, params: dict, timeout: float):
        """Send our own request (id ``interlock-…``) and wait for its response message, or None."""
        import anyio
        from mcp.shared.message import SessionMessage
        from mcp_types import JSONRPCRequest

        self.seq += 1
        rid = f"interlock-{self.tag}-{self.seq}"
        waiter = self.own[rid] = [anyio.Event(), None]
        req = JSONRPCRequest(jsonrpc="2.0", id=rid, method=method, params=params)
        try:
            if to_server:
                await self._to_server(SessionMessage(req))
            else:
                await self._to_client(req)
            with anyio.move_on_after(timeout):
                await waiter[0].wait()
            return waiter[1]
        finally:
            self.own.pop(rid, None)

    async def _learn_tools(self, meta):
        """The upstream's tool list (for annotations) when the client called before listing."""
        from mcp_types import JSONRPCResponse

        cursor = None
        for _ in range(50):
            params = {"_meta": meta} if meta else {}
            if cursor:
                params["cursor"] = cursor
            r = await self._request(True, "tools/list", params, 30.0)
            if not isinstance(r, JSONRPCResponse):
                return
            tools = r.result.get("tools") if isinstance(r.result.get("tools"), list) else []
            for t in tools:
                if isinstance(t, dict) and isinstance(t.get("name"), str):
                    self.tools[t["name"]] = t
            cursor = r.result.get("nextCursor")
            if not cursor:
                self.tools_known = True
                return

    # --- tools/call
    async def _call(self, m):
        import anyio
        from mcp.shared.message import SessionMessage

        from ..actions import ALLOW, DENY, Decision

        p = m.params or {}
        meta = p.get("_meta") if isinstance(p.get("_meta"), dict) else {}
        modern = META_VERSION in meta
        tool, args = p.get("name"), p.get("arguments", {})
        if args is None:
            args = {}
        if not isinstance(tool, str) or not tool or not isinstance(args, dict):
            await self._error(m.id, -32602, "Invalid params: tools/call needs a tool name and an arguments object")
            return
        forward = m
        try:
            if not self.tools_known and tool not in self.tools and not self.upstream_gone:
                meta_fwd = {k: v for k, v in meta.items() if k.startswith("io.modelcontextprotocol/")}
                await self._learn_tools(meta_fwd)
            annotations = tool_annotations(self.tools.get(tool, {}))
            action, decision, ctx = await anyio.to_thread.run_sync(self.judge.evaluate, tool, args, annotations)
            extra = {}
            if decision.decision != ALLOW:
                if ctx is None or (decision.error and decision.decision != "ask"):
                    decision.decision = DENY  # Interlock could not judge: never forwarded
                elif decision.decision == "ask" and self._can_elicit(meta, modern):
                    decision, extra, forward = await self._elicit(m, p, meta, modern, action, decision, ctx)
                    if decision is None:
                        return  # an InputRequiredResult was sent: the client retries with the answer
                else:
                    decision = await anyio.to_thread.run_sync(self.judge.out_of_band, action, decision, ctx)
                    if decision.decision != ALLOW and decision.decision != DENY:
                        decision.decision = DENY
            if decision.decision == ALLOW and (decision.approval or {}).get("mode") == "granted":
                extra = {"channel": "out-of-band", "approval": decision.approval.get("id")}
        except Exception as e:  # fail closed: nothing unjudged goes through
            from ..redact import redact

            action, extra = None, {}
            decision = Decision.failure(f"{type(e).__name__}: {redact(str(e))[:300]}", DENY)
        await anyio.to_thread.run_sync(self.judge.audit, action, decision, tool, args, extra)
        if decision.decision != ALLOW:
            if extra.get("channel") == CHANNEL_ELICIT and extra.get("elicitation") not in (None, "approved"):
                from ..adapters import summarize

                text = (f"Interlock: {extra.get('approver') or 'the user'} did not approve this {decision.severity} "
                        f"tool call ({extra.get('elicitation') or extra.get('refused')}).\n{summarize(decision)}\n"
                        "Do not retry it or a variant of it; ask the user how to proceed.")
            else:
                text = deny_text(decision, action)
            await self._respond(m.id, result_text(text, modern))
            return
        if forward is not m:
            forward_msg = SessionMessage(forward)
        else:
            forward_msg = SessionMessage(m)
        self.forwarded[m.id] = "tools/call"
        await self._to_server(forward_msg)
        if self.upstream_gone and m.id in self.forwarded:
            await self._respond(m.id, result_text(
                f"Interlock: the MCP server {self.name!r} is not running; the call was not sent.", modern))

    def _can_elicit(self, meta, modern) -> bool:
        caps = meta.get(META_CAPS) if modern else self.client_caps
        el = caps.get("elicitation") if isinstance(caps, dict) else None
        if not isinstance(el, dict):
            return False
        return not el or "form" in el  # {} is form mode (2025-06-18)

    def _elicit_params(self, action, decision, modern):
        from ..adapters import summarize
        from ..approvals.hook import _what

        text = (f"Interlock: approve this {decision.severity} tool call?\n{_what(decision, action)}\n"
                f"Why:\n{summarize(decision)}")
        if len(text) > 4000:  # bounded, never silently: the cut says so
            text = text[:3800] + f"\n⟨… {len(text) - 3800:,} characters not shown here; the whole call: interlock log⟩"
        params = {"message": text,
                  "requestedSchema": {"type": "object", "properties": {
                      "approve": {"type": "boolean", "title": "Run this tool call",
                                  "description": "Tick to let this exact call run once.", "default": False}},
                      "required": ["approve"]}}
        if modern or (self.client_version or "") >= "2025-11-25":
            params = {"mode": "form", **params}
        return params

    def _who(self, meta=None):
        info = (meta or {}).get(META_INFO) if meta else None
        info = info if isinstance(info, dict) else self.client_info
        return f"the user of {info.get('name') or 'the MCP client'}"

    async def _elicit(self, m, p, meta, modern, action, decision, ctx):
        """(decision, audit extra, message to forward); decision None when an InputRequiredResult was sent."""
        import anyio
        from mcp_types import JSONRPCResponse

        from ..actions import DENY

        who = self._who(meta if modern else None)
        if modern:
            digest = action.digest(decision.findings)
            state = p.get("requestState")
            responses = p.get("inputResponses") if isinstance(p.get("inputResponses"), dict) else {}
            if isinstance(state, str) and state.startswith(STATE_PREFIX):
                why = self.signer.redeem(state, digest)
                answer = responses.get(INPUT_KEY)
                if why is not None:
                    decision.reasons.append(f"elicitation answer refused: {why}")
                    decision.decision = DENY
                    return decision, {"channel": CHANNEL_ELICIT, "elicitation": "refused", "refused": why,
                                      "approver": who}, m
                verdict = self._verdict(answer)
                extra = {"channel": CHANNEL_ELICIT, "elicitation": verdict, "approver": who}
                if verdict != "approved":
                    decision.reasons.append(f"{verdict} in the client ({CHANNEL_ELICIT})")
                    decision.decision = DENY
                    return decision, extra, m
                params = {k: v for k, v in p.items() if k not in ("requestState", "inputResponses")}
                fwd = m.model_copy(update={"params": params})
                ok = await anyio.to_thread.run_sync(self.judge.approved_in_client, action, decision, ctx, who)
                return ok, extra, fwd
            result = {"resultType": "input_required",
                      "inputRequests": {INPUT_KEY: {"method": "elicitation/create",
                                                    "params": self._elicit_params(action, decision, True)}},
                      "requestState": self.signer.issue(digest)}
            await anyio.to_thread.run_sync(self.judge.audit, action, decision, p.get("name"), p.get("arguments") or {},
                                           {"channel": CHANNEL_ELICIT, "elicitation": "asked"})
            await self._respond(m.id, result)
            return None, None, None
        r = await self._request(False, "elicitation/create", self._elicit_params(action, decision, False),
                                ELICIT_TIMEOUT_S)
        answer = r.result if isinstance(r, JSONRPCResponse) else None
        verdict = self._verdict(answer) if r is not None else "no answer (timed out)"
        extra = {"channel": CHANNEL_ELICIT, "elicitation": verdict, "approver": who}
        if verdict != "approved":
            decision.reasons.append(f"{verdict} in the client ({CHANNEL_ELICIT})")
            decision.decision = DENY
            return decision, extra, m
        ok = await anyio.to_thread.run_sync(self.judge.approved_in_client, action, decision, ctx, who)
        return ok, extra, m

    @staticmethod
    def _verdict(answer) -> str:
        if not isinstance(answer, dict):
            return "no answer"
        act = answer.get("action")
        if act == "accept":
            content = answer.get("content") if isinstance(answer.get("content"), dict) else {}
            return "approved" if content.get("approve") is True else "accepted without ticking approve"
        if act == "decline":
            return "declined"
        if act == "cancel":
            return "cancelled"
        return "no answer"
