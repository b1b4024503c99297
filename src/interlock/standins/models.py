"""A scripted stand-in for the model APIs coding agents talk to, so the real agent binaries run
their real tool and hook machinery without a real model or account.

One HTTP server on ``127.0.0.1`` (a free port) answers three wire protocols:

* Anthropic Messages (``POST /v1/messages``, SSE streaming or not) — Claude Code with
  ``ANTHROPIC_BASE_URL``;
* OpenAI Responses (``POST /v1/responses``, SSE) — Codex through a custom model provider
  (``wire_api = "responses"``);
* Gemini ``generateContent`` / ``streamGenerateContent?alt=sse`` (``/v1beta/models/M:...``) —
  Gemini CLI with ``GOOGLE_GEMINI_BASE_URL``.

It replays a *scenario*: a list of agent-neutral steps (:class:`Step`).  The step to answer is
chosen from the conversation the agent sends — the number of tool results already in it — so
retries, side requests (titles, routing, token counts) and extra turns do not shift the script.
A request that offers no tools gets a short text answer.  Every request and every tool result the
agent sent back is kept (``requests``, ``results``) for assertions.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Step:
    """One model turn: ``op`` is shell / grep / read / write / text.

    shell: ``arg`` is the command line; grep: ``arg`` the pattern, ``path`` where to search;
    read: ``path``; write: ``path`` and ``content``; text: ``arg`` is the final answer.
    """

    __slots__ = ("op", "arg", "path", "content", "label", "gate")

    def __init__(self, op, arg="", path="", content="", label="", gate=None):
        self.op, self.arg, self.path, self.content, self.label = op, arg, path, content, label or op
        # gate: a threading.Event the server waits for (GATE_TIMEOUT_S at most) before answering with
        # this step — a model that "thinks" until something happened in the world (a human's approval)
        self.gate = gate

    def __repr__(self):
        return f"Step({self.op!r}, {self.arg or self.path!r})"


def shell(cmd, label="", gate=None):
    return Step("shell", cmd, label=label, gate=gate)


def grep(pattern, path, label=""):
    return Step("grep", pattern, path=path, label=label)


def read(path, label=""):
    return Step("read", path=path, label=label)


def write(path, content, label=""):
    return Step("write", path=path, content=content, label=label)


def mcp(server, tool, arguments, label=""):
    """A call of an MCP server's tool (``arguments``: a dict)."""
    return Step("mcp", server, path=tool, content=json.dumps(arguments), label=label)


# the tool each agent offers for a step, and its arguments; a step an agent has no tool for runs
# as the equivalent shell command
def _claude_call(step, tools):
    if step.op == "mcp":
        return f"mcp__{step.arg}__{step.path}", json.loads(step.content)
    if step.op == "grep" and "Grep" in tools:
        return "Grep", {"pattern": step.arg, "path": step.path, "output_mode": "content"}
    if step.op == "read" and "Read" in tools:
        return "Read", {"file_path": step.path}
    if step.op == "write" and "Write" in tools:
        return "Write", {"file_path": step.path, "content": step.content}
    return "Bash", {"command": _as_shell(step), "description": step.label}


def _codex_call(step, tools):
    if step.op == "mcp":  # Codex offers a server's tools as one namespace tool, "mcp__SERVER"
        return step.path, json.loads(step.content)
    name = "exec_command" if "exec_command" in tools or not tools else ("shell" if "shell" in tools else
                                                                         "exec_command")
    if name == "shell":
        return name, {"command": ["bash", "-lc", _as_shell(step)]}
    return name, {"cmd": _as_shell(step)}


def _gemini_call(step, tools):
    if step.op == "mcp":  # Gemini CLI names a server's tool "mcp_SERVER_TOOL"
        return f"mcp_{step.arg}_{step.path}", json.loads(step.content)
    if step.op == "grep" and "grep_search" in tools:
        return "grep_search", {"pattern": step.arg, "dir_path": step.path}
    if step.op == "read" and "read_file" in tools:
        return "read_file", {"file_path": step.path}
    if step.op == "write" and "write_file" in tools:
        return "write_file", {"file_path": step.path, "content": step.content}
    return "run_shell_command", {"command": _as_shell(step), "description": step.label}


def _as_shell(step):
    import shlex

    if step.op == "grep":
        return f"grep -rn {shlex.quote(step.arg)} {shlex.quote(step.path)}"
    if step.op == "read":
        return f"cat {shlex.quote(step.path)}"
    if step.op == "write":
        return f"printf %s {shlex.quote(step.content)} > {shlex.quote(step.path)}"
    return step.arg


GATE_TIMEOUT_S = 120


class ScriptedModel:
    """Serve the scenario ``steps``; ``url`` is the server's base URL (no trailing slash)."""

    def __init__(self, steps, final_text="Done.", host="127.0.0.1", port=0, latency=0.0):
        self.steps = list(steps)
        self.latency = latency  # seconds before each answer to a request offering tools (a model's think time)
        self.final_text = final_text
        self.requests: list[dict] = []   # {"api", "path", "body"}
        self.results: list[dict] = []    # {"api", "id", "name", "output", "is_error"}: tool results sent back
        self.calls: list[dict] = []      # {"api", "step", "name", "input"}: tool calls this server made
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                try:
                    return json.loads(raw or b"{}")
                except ValueError:
                    return {}

            def _json(self, obj, status=200):
                raw = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _sse(self, events):
                raw = "".join((f"event: {ev}\n" if ev else "") + f"data: {json.dumps(data)}\n\n"
                              for ev, data in events).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                path = urlsplit(self.path).path
                if path.rstrip("/").endswith("/models"):
                    self._json({"data": [], "models": [], "object": "list"})
                else:
                    self._json({}, 404)

            def do_HEAD(self):
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                path = urlsplit(self.path).path
                body = self._body()
                try:
                    if path.endswith("/messages/count_tokens"):
                        return self._json({"input_tokens": 100})
                    if path.endswith("/messages"):
                        outer._record("anthropic", self.path, body)
                        return outer._anthropic(self, body)
                    if path.endswith("/responses"):
                        outer._record("openai", self.path, body)
                        return outer._openai(self, body)
                    if ":countTokens" in path:
                        return self._json({"totalTokens": 100})
                    if ":streamGenerateContent" in path or ":generateContent" in path:
                        outer._record("gemini", self.path, body)
                        return outer._gemini(self, body, stream=":streamGenerateContent" in path)
                    if path.endswith("/chat/completions"):
                        return self._json({"error": {"message": "use the Responses API"}}, 400)
                    self._json({"error": {"message": f"no such endpoint {path}"}}, 404)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- bookkeeping ---------------------------------------------------------------------------
    def _record(self, api, path, body):
        with self._lock:
            self.requests.append({"api": api, "path": path, "body": body})

    def _next(self, api, n_results, results):
        """The step for a conversation holding ``n_results`` tool results (None: the final text)."""
        if self.latency:
            import time

            time.sleep(self.latency)
        with self._lock:
            known = {(r["api"], r["id"]) for r in self.results}
            for r in results:
                if (api, r["id"]) not in known:
                    self.results.append(dict(r, api=api))
        step = self.steps[n_results] if n_results < len(self.steps) else None
        if step is not None and step.gate is not None and not step.gate.wait(GATE_TIMEOUT_S):
            return None  # the gate never opened: end the turn (the test's assertions say why)
        return step

    def _made(self, api, n, name, args):
        with self._lock:
            self.calls.append({"api": api, "step": n, "name": name, "input": args})

    def result_texts(self):
        """Every tool result's text, in the order the agent sent them back."""
        return [r["output"] for r in self.results]

    # --- Anthropic Messages ---------------------------------------------------------------------
    def _anthropic(self, h, body):
        tools = {t.get("name") for t in body.get("tools") or () if isinstance(t, dict)}
        results = []
        for m in body.get("messages") or ():
            if m.get("role") == "user" and isinstance(m.get("content"), list):
                for b in m["content"]:
                    if isinstance(b, dict) and b.get("type") == "tool_result":
                        c = b.get("content")
                        text = c if isinstance(c, str) else "\n".join(
                            x.get("text", "") for x in c or () if isinstance(x, dict))
                        results.append({"id": b.get("tool_use_id"), "name": "", "output": text,
                                        "is_error": bool(b.get("is_error"))})
        step = self._next("anthropic", len(results), results) if tools else None
        mid = "msg_" + uuid.uuid4().hex[:20]
        model = body.get("model") or "claude-sonnet-4-5"
        if step is None:
            block = {"type": "text", "text": self.final_text if tools else "Interlock scripted session"}
            stop = "end_turn"
        else:
            name, args = _claude_call(step, tools)
            self._made("anthropic", len(results), name, args)
            block = {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], "name": name, "input": args}
            stop = "tool_use"
        usage = {"input_tokens": 50, "output_tokens": 10, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}
        msg = {"id": mid, "type": "message", "role": "assistant", "model": model, "content": [block],
               "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            return h._json(msg)
        start = dict(msg, content=[], stop_reason=None)
        if block["type"] == "text":
            cb = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            cb = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        h._sse([("message_start", {"type": "message_start", "message": start}),
                ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": cb}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                   "usage": {"output_tokens": 10}}),
                ("message_stop", {"type": "message_stop"})])

    # --- OpenAI Responses -------------------------------------------------------------------------
    def _openai(self, h, body):
        tools = {t.get("name") for t in body.get("tools") or () if isinstance(t, dict) and t.get("name")}
        results = []
        inp = body.get("input")
        for it in inp if isinstance(inp, list) else ():
            if isinstance(it, dict) and it.get("type") in ("function_call_output", "custom_tool_call_output"):
                out = it.get("output")
                if isinstance(out, list):
                    out = "\n".join(x.get("text", "") for x in out if isinstance(x, dict))
                elif isinstance(out, dict):
                    out = out.get("content") or json.dumps(out)
                results.append({"id": it.get("call_id"), "name": "", "output": str(out), "is_error": False})
        step = self._next("openai", len(results), results) if tools else None
        rid = "resp_" + uuid.uuid4().hex[:20]
        if step is None:
            item = {"type": "message", "role": "assistant", "id": "msg_" + uuid.uuid4().hex[:16], "status": "completed",
                    "content": [{"type": "output_text", "text": self.final_text if tools else "ok",
                                 "annotations": []}]}
        else:
            name, args = _codex_call(step, tools)
            self._made("openai", len(results), name, args)
            item = {"type": "function_call", "id": "fc_" + uuid.uuid4().hex[:16], "status": "completed",
                    "call_id": "call_" + uuid.uuid4().hex[:16], "name": name, "arguments": json.dumps(args)}
            if step.op == "mcp":
                item["namespace"] = f"mcp__{step.arg}"
        usage = {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 10,
                 "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 60}
        resp = {"id": rid, "object": "response", "status": "completed", "model": body.get("model") or "m",
                "output": [item], "usage": usage}
        if not body.get("stream", True):
            return h._json(resp)
        h._sse([("response.created", {"type": "response.created", "response": dict(resp, status="in_progress",
                                                                                    output=[])}),
                ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                                "item": item}),
                ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                               "item": item}),
                ("response.completed", {"type": "response.completed", "response": resp})])

    # --- Gemini generateContent --------------------------------------------------------------------
    def _gemini(self, h, body, stream):
        tools = set()
        for t in body.get("tools") or ():
            for fd in (t.get("functionDeclarations") or ()) if isinstance(t, dict) else ():
                if isinstance(fd, dict):
                    tools.add(fd.get("name"))
        results = []
        for c in body.get("contents") or ():
            for p in (c.get("parts") or ()) if isinstance(c, dict) else ():
                fr = p.get("functionResponse") if isinstance(p, dict) else None
                if isinstance(fr, dict):
                    resp = fr.get("response")
                    out = resp.get("output", resp.get("error", resp)) if isinstance(resp, dict) else resp
                    results.append({"id": fr.get("id") or f"{fr.get('name')}#{len(results)}", "name": fr.get("name"),
                                    "output": out if isinstance(out, str) else json.dumps(out),
                                    "is_error": isinstance(resp, dict) and "error" in resp})
        step = self._next("gemini", len(results), results) if tools else None
        if step is None:
            if tools:
                part = {"text": self.final_text}
            else:  # a side request (routing, next-speaker checks): answer what such callers parse
                part = {"text": json.dumps({"reasoning": "scripted", "model_choice": "flash",
                                            "next_speaker": "user"})}
        else:
            name, args = _gemini_call(step, tools)
            self._made("gemini", len(results), name, args)
            part = {"functionCall": {"name": name, "args": args, "id": "call_" + uuid.uuid4().hex[:12]}}
        resp = {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 10, "totalTokenCount": 60},
                "modelVersion": "gemini-2.5-pro"}
        if stream:
            h._sse([(None, resp)])
        else:
            h._json(resp)
