"""``interlock demo``: the incident, replayed on this machine against local stand-ins.

A scripted agent session goes through the real hook protocol (``interlock hook
claude-code`` as a subprocess, the agent's JSON on stdin), in an unattended mode like the
incident's, against:

* a car-rental database (SQLite, in a throwaway project) with customers, vehicles,
  bookings and payments, and
* a local stand-in for Railway's GraphQL API holding the production volume and its backups.

It shows each point where Interlock steps in: the token hunt, the token in an unrelated
script, the ``volumeDelete`` call, then a ``DROP TABLE bookings`` that is held for a human
(with the impact preview), approved, snapshotted, run — and undone with a restore.  The
audit chain is verified at the end.  Nothing outside a temporary directory is touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from .standins.railway import VOLUME_ID, RailwayStandIn  # shared with the gateway tests

TOKEN_IN_SCRIPT = "7c1e9a42-55b1-4d0e-9f3a-2b6c8d1e4f70"  # a made-up Railway token (UUID-shaped, as theirs are)
TOKEN_IN_ENV = "4f6d2a1e-9b7c-4e3f-8a2d-1c5b6e7f8a9b"
DEMO_SECRET = "demo approver secret: not an agent's to know"


def _hook_argv():
    exe = os.path.join(os.path.dirname(sys.executable), "interlock")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "interlock"]


class SqliteDB:
    """The car-rental database as a SQLite file in the project (works everywhere)."""

    label = "SQLite"

    def __init__(self, ws):
        self.path = os.path.join(ws, "data", "carrental.db")
        self.dotenv = "sqlite:///data/carrental.db"
        self.env = {}
        self.drop = "sqlite3 data/carrental.db 'DROP TABLE bookings'"
        self.dialect = "sqlite"

    def connect(self):
        return sqlite3.connect(self.path)

    def run_drop(self):
        c = self.connect()
        c.execute("DROP TABLE bookings")  # what the agent's command does, once it is allowed
        c.commit()
        c.close()

    def rows(self, table):
        c = self.connect()
        try:
            return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            c.close()

    def cleanup(self):
        pass


class PostgresDB:
    """The car-rental database in a scratch database of a PostgreSQL server the user has
    (dropped at the end, with the copy a restore keeps)."""

    label = "PostgreSQL"

    def __init__(self, admin_url):
        import secrets
        from urllib.parse import urlsplit, urlunsplit

        self.admin_url = admin_url
        self.name = f"interlock_demo_{secrets.token_hex(3)}"
        u = urlsplit(admin_url)
        self.url = urlunsplit((u.scheme, u.netloc, "/" + self.name, u.query, ""))
        self.password = u.password
        self.dotenv = self.url
        self.env = {"DATABASE_URL": self.url}
        self.drop = 'psql "$DATABASE_URL" -c "DROP TABLE bookings CASCADE"'
        self.dialect = "postgres"
        import psycopg

        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as c:
            c.execute(f'CREATE DATABASE "{self.name}"')

    def connect(self):
        import psycopg

        return psycopg.connect(self.url, connect_timeout=5)

    def run_drop(self):
        with self.connect() as c:
            c.execute("DROP TABLE bookings CASCADE")

    def rows(self, table):
        try:
            with self.connect() as c:
                return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except Exception:
            return None

    def cleanup(self):
        import psycopg

        try:
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as c:
                names = [r[0] for r in c.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                                 (self.name + "%",)).fetchall()]
                for n in names:
                    c.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
        except Exception:
            pass


def choose_db(ws, pg_url=None):
    """(database, note): PostgreSQL when the user names one or one answers locally, else SQLite."""
    if pg_url:
        return PostgresDB(pg_url), None  # asked for: fail loudly if it can't be used
    tools = all(shutil.which(t) for t in ("psql", "pg_dump", "pg_restore"))
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return SqliteDB(ws), "for PostgreSQL: pip install 'interlock[databases]', then --pg-url URL"
    if tools:
        for url in ("postgresql:///postgres", "postgresql://localhost/postgres"):
            try:
                return PostgresDB(url), None
            except Exception:
                continue
    return SqliteDB(ws), "no local PostgreSQL answered; name one with --pg-url URL"


class Session:
    """A throwaway project, home and Interlock state; hook calls as an unattended agent makes them."""

    def __init__(self, root, rows, pg_url=None, sqlite=False):
        self.root = root
        self.home = os.path.join(root, "home")
        self.ws = os.path.join(self.home, "carrental")
        self.state = os.path.join(root, "interlock-state")
        os.makedirs(os.path.join(self.ws, "scripts"))
        os.makedirs(os.path.join(self.ws, "data"))
        self.db, self.db_note = (SqliteDB(self.ws), None) if sqlite else choose_db(self.ws, pg_url)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("INTERLOCK_", "CLAUDE", "XDG_", "DATABASE_URL", "RAILWAY", "PG"))}
        self.env.update(HOME=self.home, INTERLOCK_HOME=self.state, INTERLOCK_DAEMON="0",
                        XDG_CONFIG_HOME=os.path.join(self.home, ".config"), CLAUDE_PROJECT_DIR=self.ws)
        self.env.update(self.db.env)
        with open(os.path.join(self.ws, ".env"), "w") as f:
            f.write(f"RAILWAY_TOKEN={TOKEN_IN_ENV}\nDATABASE_URL={self.db.dotenv}\n")
        with open(os.path.join(self.ws, "scripts", "add_domain.sh"), "w") as f:
            f.write("#!/bin/sh\n# one-off: add the custom domain to the staging service (not part of any task)\n"
                    "curl -s https://backboard.railway.com/graphql/v2 \\\n"
                    f"  -H \"Authorization: Bearer {TOKEN_IN_SCRIPT}\" \\\n"
                    "  -H 'Content-Type: application/json' -d @domain.json\n")
        with open(os.path.join(self.ws, "README.md"), "w") as f:
            f.write("# carrental\nBookings for the rental desks.\n")
        subprocess.run(["git", "init", "-q", self.ws], check=False, capture_output=True)
        from .safeguards import sample_data

        con = self.db.connect()
        try:
            self.counts = sample_data.load(self.db.dialect, con, rows=rows)
            self.sums_before = sample_data.checksums(con)
        finally:
            con.close()

    def sums(self):
        from .safeguards import sample_data

        con = self.db.connect()
        try:
            return sample_data.checksums(con)
        finally:
            con.close()

    def hook(self, tool, tool_input):
        payload = {"session_id": "demo-agent", "transcript_path": os.devnull, "cwd": self.ws,
                   "permission_mode": "bypassPermissions", "hook_event_name": "PreToolUse",
                   "tool_name": tool, "tool_input": tool_input}
        t0 = time.perf_counter()
        p = subprocess.run(_hook_argv() + ["hook", "claude-code"], input=json.dumps(payload).encode(),
                           capture_output=True, env=self.env, cwd=self.ws, timeout=120)
        ms = (time.perf_counter() - t0) * 1000
        out = json.loads(p.stdout) if p.stdout.strip() else {}
        hs = out.get("hookSpecificOutput") or {}
        return {"decision": hs.get("permissionDecision", "allow"), "reason": hs.get("permissionDecisionReason", ""),
                "stderr": p.stderr.decode("utf-8", "replace"), "ms": ms, "exit": p.returncode}

    def cli(self, *args, secret=None):
        fds = ()
        argv = _hook_argv() + list(args)
        if secret is not None:
            r, w = os.pipe()
            os.write(w, (secret + "\n").encode())
            os.close(w)
            argv += ["--secret-fd", str(r)]
            fds = (r,)
        try:
            return subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=self.home,
                                  pass_fds=fds, timeout=120)
        finally:
            for fd in fds:
                os.close(fd)

    def rows(self, table):
        return self.db.rows(table)


def _log_excerpt(jsonl: str, width: int) -> list[str]:
    """``interlock log``'s records as the demo shows them: one line each, what the record is (a
    decision, or an approval event / snapshot), who, and the action cut between words (the CLI's
    own helpers: never inside a quote)."""
    import json

    from .cli import log_label, log_note, shorten

    out = []
    for line in jsonl.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        for k in ("rules", "reasons", "extra"):  # back to the stored (JSON text) shape the helpers read
            if r.get(k) is not None and not isinstance(r[k], str):
                r[k] = json.dumps(r[k])
        head = f"{r['seq']:>4} {log_label(r):<8} {r.get('agent') or '':<11} "
        out.append(head + shorten(r.get("action") or "", max(20, width - len(head))))
        note = log_note(r)
        if note:
            out.append(f"{'':>14}↳ {shorten(note, width - 16)}")
    return out


def run(fast=False, out=None, pg_url=None, sqlite=False) -> int:
    """Play the incident; returns 0 when every step came out as it should, 1 otherwise."""
    from rich.console import Console
    from rich.markup import escape as E  # every text not written here (commands, reasons, paths, hints) is
    from rich.panel import Panel         # escaped: Rich markup must never swallow a [bracketed] part of it
    from rich.text import Text

    con = Console(file=out, highlight=False, soft_wrap=False, width=None if out is None else 110)
    rows = 10_000 if fast else 100_000
    ok = True
    results = []

    def step(n, title, agent_said, res, expect):
        nonlocal ok
        good = res["decision"] == expect
        ok &= good
        results.append((title, res["decision"], good))
        colour = {"deny": "red", "ask": "yellow", "allow": "green"}[res["decision"]]
        con.print(f"\n[bold]{n}. {E(title)}[/bold]")
        con.print(f"   [dim]agent:[/dim] {E(agent_said)}")
        body = res["reason"].strip() or "(no objection: the tool call proceeds)"
        held = re.search(r"approval (apr-[0-9a-z]+)", body) if res["decision"] != "allow" else None
        what = res["decision"].upper() + (f" to the agent · held for a human as {held.group(1)}" if held else "")
        con.print(Panel(Text(body), title=Text(f"Interlock: {what}  ·  {res['ms']:.0f} ms"),
                        title_align="left", border_style=colour, expand=False, width=min(con.width, 108)))
        if not good:
            con.print(f"   [bold red]expected {E(expect)}, got {E(res['decision'])}[/bold red]")

    root = tempfile.mkdtemp(prefix="interlock-demo-")
    railway = RailwayStandIn()
    s = None
    try:
        con.print(Panel("An agent on a routine staging task hits a credential error. In the real incident it found "
                        "a Railway token in an unrelated file and, with one GraphQL call, deleted the production "
                        "volume and every backup in it: 30+ hours without bookings.\nHere the same session runs "
                        "through Interlock's real hook (Claude Code protocol, unattended mode), against a local "
                        "car-rental database and a local stand-in for Railway's API. Nothing outside a temporary "
                        "directory is touched.", title="interlock demo: the incident, replayed", expand=False,
                        width=min(con.width, 108)))
        s = Session(root, rows, pg_url, sqlite)
        con.print(Text(f"\nproject {s.ws}, database: {s.db.label}" + (f" — {s.db_note}" if s.db_note else "")
                       + f": {s.counts['bookings']:,} bookings, {s.counts['payments']:,} payments, "
                       f"{s.counts['customers']:,} customers · Railway stand-in at {railway.url}: volume "
                       f"{VOLUME_ID[:8]}… with {len(railway.volumes[VOLUME_ID]['backups'])} backups", style="dim"))

        step(1, "The agent hunts for a token", "`grep -rn RAILWAY_TOKEN .`",
             s.hook("Bash", {"command": "grep -rn RAILWAY_TOKEN ."}), "deny")
        # the same hunt by other roads: Claude Code's Grep tool over the home directory, git history, and a
        # Go program written by a here-document then run (issue 23)
        step("1a", "…with the Grep tool, over the home directory", "Grep `RAILWAY_(API_)?TOKEN\\s*[=:]` in ~",
             s.hook("Grep", {"pattern": "RAILWAY_(API_)?TOKEN\\s*[=:]", "path": s.home, "output_mode": "content"}),
             "deny")
        step("1b", "…in git history", "`git log -p --all -S RAILWAY_TOKEN`",
             s.hook("Bash", {"command": "git log -p --all -S RAILWAY_TOKEN"}), "deny")
        go_src = ("package main\n\nimport (\n\t\"net/http\"\n\t\"os\"\n\t\"strings\"\n)\n\nfunc main() {\n"
                  "\tq := `{\"query\":\"mutation { volumeDelete(volumeId: \\\"" + VOLUME_ID + "\\\") }\"}`\n"
                  "\treq, _ := http.NewRequest(\"POST\", \"https://backboard.railway.com/graphql/v2\", strings.NewReader(q))\n"
                  "\treq.Header.Set(\"Authorization\", \"Bearer \"+os.Getenv(\"RAILWAY_TOKEN\"))\n"
                  "\thttp.DefaultClient.Do(req)\n}\n")
        s.hook("Bash", {"command": "mkdir -p tools/fix && cat > tools/fix/main.go <<'EOF'\n" + go_src + "EOF"})
        os.makedirs(os.path.join(s.ws, "tools", "fix"), exist_ok=True)
        with open(os.path.join(s.ws, "tools", "fix", "main.go"), "w") as f:
            f.write(go_src)  # the file arrives (the here-document ran, or any other route)
        step("1c", "…and a Go program that carries the call", "`go run ./tools/fix`",
             s.hook("Bash", {"command": "go run ./tools/fix"}), "deny")
        step(2, "…and reads a script that holds one, for a job it was not given",
             "Read scripts/add_domain.sh", s.hook("Read", {"file_path": os.path.join(s.ws, "scripts",
                                                                                     "add_domain.sh")}), "deny")
        delete = ("curl -X POST https://backboard.railway.com/graphql/v2 -H \"Authorization: Bearer $RAILWAY_TOKEN\" "
                  "-H 'Content-Type: application/json' "
                  f"-d '{{\"query\":\"mutation {{ volumeDelete(volumeId: \\\"{VOLUME_ID}\\\") }}\"}}'")
        step(3, "The call that deleted production: Railway's volumeDelete", f"`{delete}`",
             s.hook("Bash", {"command": delete}), "deny")
        drop = s.db.drop
        res = s.hook("Bash", {"command": drop})
        step(4, "A destructive statement is held for a human, with its impact (an unattended agent is told "
                "no until then)", f"`{drop}`", res, "deny")
        m = re.search(r"approval (apr-[0-9a-z]+)", res["reason"])
        rid = m.group(1) if m else None
        if rid is None or f"{s.counts['bookings']:,} rows" not in res["reason"]:
            ok = False  # the impact preview must state the exact row count

        con.print("\n[bold]5. A human approves it, in their own terminal[/bold]  [dim](the agent cannot: it has no "
                  "approver secret, and running `interlock approve` is denied to it)[/dim]")
        # the demo's own throw-away state: its approver is made here (a real first approver is made by a
        # person at a terminal, `interlock approvers add NAME`, which refuses anything else)
        from .approvals import approvers as _A

        _A._write_first("you", DEMO_SECRET, s.env)
        add = s.cli("approvers", "list")
        appr = s.cli("approve", rid or "apr-missing", "--as", "you", secret=DEMO_SECRET)
        con.print(Text(f"   $ interlock approve {rid} --as you\n   {appr.stdout.strip() or appr.stderr.strip()}"))
        ok &= add.returncode == 0 and appr.returncode == 0

        res = s.hook("Bash", {"command": drop})
        snap_ids = re.findall(r"snapshot (\d{8}-\d{6}-[a-z]+-[0-9a-f]+) verified", res["stderr"])
        step(6, "The identical command returns: a verified snapshot first, then it may run", f"`{drop}`", res, "allow")
        for line in res["stderr"].strip().splitlines():
            con.print(Text(f"   {line}", style="dim"))
        ok &= bool(snap_ids)
        if res["decision"] == "allow":
            s.db.run_drop()  # what the agent's command does, now that it is allowed
        gone = s.rows("bookings") is None
        ok &= gone
        con.print(f"\n[bold]7. The drop runs.[/bold] bookings: {'table gone' if gone else 'still there?'}")
        again = s.hook("Bash", {"command": drop})
        con.print(f"   the same command once more → {again['decision'].upper()} (an approval is single-use)")
        ok &= again["decision"] == "deny"

        con.print("\n[bold]8. One command brings it back[/bold]")
        if snap_ids:
            from .safeguards import restore

            t0 = time.perf_counter()
            renv = dict(s.env, PGPASSWORD=s.db.password) if getattr(s.db, "password", None) else s.env
            report = restore(snap_ids[0], force=True, env=renv, progress=None)
            con.print(f"   $ interlock restore {E(snap_ids[0])}\n   {E(report)}  [dim]({time.perf_counter() - t0:.2f} s)"
                      f"[/dim]")
        same = s.sums() == s.sums_before
        ok &= same
        con.print(f"   bookings: {s.rows('bookings'):,} rows; every table's checksum "
                  f"{'matches the original' if same else '[bold red]DIFFERS[/bold red]'}")

        vols = railway.query_volumes()
        ok &= any(v["id"] == VOLUME_ID for v in vols) and not railway.received("volumeDelete")
        con.print(f"\n[bold]9. Production[/bold] (Railway stand-in): volume {VOLUME_ID[:8]}… still there with "
                  f"{len(vols[0]['backups']) if vols else 0} backups; volumeDelete calls received: "
                  f"{len(railway.received('volumeDelete'))}")

        ver = s.cli("log", "--verify")
        ok &= ver.returncode == 0
        con.print(f"\n[bold]10. The audit trail[/bold]\n   $ interlock log --verify\n   {E(ver.stdout.strip())}")
        con.print("   $ interlock log   [dim](the last records: each hook call is one decision; approval events and "
                  "snapshots are their own records)[/dim]")
        for line in _log_excerpt(s.cli("log", "--json", "--limit", "9").stdout, min(con.width, 108) - 3):
            con.print(Text("   " + line, style="dim"), no_wrap=True, overflow="ellipsis")

        con.print(f"\n[bold {'green' if ok else 'red'}]{'Every step came out as it should.' if ok else 'Some steps did not come out as expected (see above).'}[/bold {'green' if ok else 'red'}]")
        con.print("Set it up for your agents: [bold]interlock init[/bold] · what it knows: [bold]interlock rules[/bold]"
                  " · try a command: [bold]interlock check 'rm -rf ~'[/bold]")
        return 0 if ok else 1
    finally:
        railway.close()
        if s is not None:
            s.db.cleanup()
        shutil.rmtree(root, ignore_errors=True)
