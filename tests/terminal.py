"""A terminal for tests: runs ARGV on a fresh pty whose master this process holds, like a terminal
emulator would (its process name set to ``test-terminal``, not a pty maker's), relays the output
and exits with ARGV's status.  Usage: python terminal.py ARGV...

The holder detaches (setsid, double fork) and drops agent-session variables from ARGV's
environment, as a person's terminal is not a child of an agent: so the suite also passes when the
test runner itself was started from an agent session.  (That an agent could do the same is the
limit README's threat model states for single-user mode.)"""

import ctypes
import os
import pty
import sys

AGENT_PREFIXES = ("CLAUDE_CODE_", "CODEX_", "CURSOR_", "GEMINI_CLI", "AIDER_")
AGENT_NAMES = {"CLAUDECODE", "CLAUDE_PROJECT_DIR", "OPENCODE", "AMP_THREAD_ID", "COPILOT_AGENT_SESSION_ID",
               "WINDSURF_AGENT", "GOOSE_PROVIDER"}

def holder(w, argv):
    """The terminal itself: holds the pty's master, runs ARGV on it, reports status and output on fd w."""
    try:
        ctypes.CDLL(None).prctl(15, b"test-terminal", 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass
    pid, master = pty.fork()
    if pid == 0:
        os.close(w)
        os.execvp(argv[0], argv)
    out = bytearray()
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
    _, status = os.waitpid(pid, 0)
    os.write(w, os.waitstatus_to_exitcode(status).to_bytes(4, "big", signed=True) + bytes(out))
    os._exit(0)


if sys.argv[1:2] == ["--holder"]:
    holder(int(sys.argv[2]), sys.argv[3:])

r, w = os.pipe()
first = os.fork()
if first == 0:
    os.close(r)
    os.setsid()
    if os.fork() != 0:
        os._exit(0)
    keep = os.environ.get("TERMINAL_KEEP_AGENT_ENV") == "1"  # a test of the agent-session check itself
    env = {k: v for k, v in os.environ.items() if keep or (k not in AGENT_NAMES and not k.startswith(AGENT_PREFIXES))}
    os.set_inheritable(w, True)
    os.execve(sys.executable, [sys.executable, __file__, "--holder", str(w)] + sys.argv[1:], env)
os.close(w)
os.waitpid(first, 0)
data = bytearray()
while True:
    b = os.read(r, 65536)
    if not b:
        break
    data += b
if len(data) < 4:
    sys.exit(127)
sys.stdout.buffer.write(bytes(data[4:]))
sys.stdout.flush()
sys.exit(int.from_bytes(data[:4], "big", signed=True))
