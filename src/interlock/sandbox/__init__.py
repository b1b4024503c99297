"""``interlock sandbox``: rehearse an agent's whole task on disposable copies, then promote what a human approves.

* ``confine``  — the confinement: bubblewrap in its own user, mount, PID, IPC, UTS and network
  namespaces, an overlay (or a copy) of the workspace, the rest of the file system read-only,
  secrets hidden, host Unix sockets masked, a private /tmp.
* ``store``    — a sandbox on disk (``$INTERLOCK_HOME/sandboxes/ID``): metadata, the manifest of the
  real workspace when the sandbox started, the overlay's upper directory or the copy.
* ``changes``  — the change set (files; SQL and API mutations recorded by the gateways), its diff,
  and ``promote``: approved changes applied to the real workspace, refused where it changed meanwhile.
* ``forward``  — Unix-socket forwarding: the only way out of the sandbox's network namespace leads to
  Interlock's gateways.
* ``inner``    — the first process inside: starts the loopback forwarders, then the agent.
* ``dbbranch`` — PostgreSQL branches (``CREATE DATABASE … TEMPLATE``) and SQLite copies.
* ``cli``      — ``interlock sandbox -- AGENT…`` and ``status|diff|promote|discard``.
"""
