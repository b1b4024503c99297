"""A terminal for tests: runs ARGV on a fresh pty whose master this process holds, like a terminal
emulator would (its process name set to ``test-terminal``, not a pty maker's), relays the output
and exits with ARGV's status.  Usage: python terminal.py ARGV..."""

import ctypes
import os
import pty
import sys

try:
    ctypes.CDLL(None).prctl(15, b"test-terminal", 0, 0, 0)  # PR_SET_NAME
except Exception:
    pass
pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
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
sys.stdout.buffer.write(bytes(out))
sys.stdout.flush()
sys.exit(os.waitstatus_to_exitcode(status))
