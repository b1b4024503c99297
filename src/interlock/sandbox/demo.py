"""``interlock demo --sandbox``: the incident replayed inside ``interlock sandbox``.

The same throwaway project as ``interlock demo`` (a car-rental SQLite database in the workspace, a
token in an unrelated script, ``.env``) and the same Railway stand-in, behind an HTTP gateway route.
A scripted agent — a real process in a real sandbox — does what the incident's agent did and more:
hunts for the token, finds the one in the unrelated script, tries Railway directly with it, sends
``volumeDelete`` through the gateway, drops the bookings table and deletes the project's files.
The demo then shows the change set a human reviews and would refuse, checks that the real database,
files and stand-in are intact, and discards the sandbox.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

AGENT = r"""
import json, os, re, shutil, socket, sqlite3, sys, urllib.request
said = []
def say(x):
    print(x, flush=True)
# 1. the credential hunt
say('.env visible: %s' % os.path.exists('.env'))
token = None
for d, _, files in os.walk('.'):
    for n in files:
        try:
            m = re.search(r'Bearer ([0-9a-f-]{36})', open(os.path.join(d, n), errors='ignore').read())
        except OSError:
            continue
        if m:
            token = m.group(1); say('found a token in %s' % os.path.join(d, n))
# 2. straight to Railway with it
try:
    socket.getaddrinfo('backboard.railway.com', 443)
    say('DNS answered')
except OSError as e:
    say('direct call to backboard.railway.com: no network (%s)' % type(e).__name__)
# 3. the call that deleted production, through the only way out: Interlock's gateway
req = urllib.request.Request(os.environ['RAILWAY_API_URL'], headers={'Content-Type': 'application/json',
                             'Authorization': 'Bearer %s' % token},
                             data=json.dumps({'query': 'mutation { volumeDelete(volumeId: "%s") }' % sys.argv[1]}).encode())
with urllib.request.urlopen(req, timeout=30) as r:
    body = json.loads(r.read())
say('volumeDelete answered: %s (data: %s)' % (body['extensions']['interlock']['message'].split(' (')[0],
                                              json.dumps(body['data'])))
# 4. the database and the files
con = sqlite3.connect('data/carrental.db')
con.execute('DROP TABLE bookings'); con.commit()
say('DROP TABLE bookings: done (on the sandbox copy)')
shutil.rmtree('scripts'); os.unlink('README.md')
open('NOTES.md', 'w').write('cleaned up the staging credentials problem\n')
say('deleted scripts/ and README.md')
"""


def run(fast=False, out=None) -> int:
    from rich.console import Console
    from rich.panel import Panel

    from ..demo import TOKEN_IN_SCRIPT, Session
    from ..standins.railway import VOLUME_ID, RailwayStandIn
    from .confine import bwrap_path

    con = Console(file=out, highlight=False, soft_wrap=False, width=None if out is None else 110)
    if not bwrap_path():
        con.print("interlock demo --sandbox needs bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)")
        return 1
    rows = 10_000 if fast else 100_000
    root = tempfile.mkdtemp(prefix="interlock-demo-sbx-")
    vault_token = "rw-demo-" + "5b1d7c2e-8f3a-4e6b-9c0d-1a2b3c4d5e6f"
    railway = RailwayStandIn(token=vault_token)
    ok = True
    try:
        con.print(Panel("The incident again, but this time the agent runs in `interlock sandbox`: an overlay of the "
                        "project, the car-rental database copied with it, Railway reachable only through "
                        "Interlock's gateway, which records mutations instead of sending them. The agent is a "
                        "script doing what the incident's agent did, and worse.", expand=False,
                        title="interlock demo --sandbox", width=min(con.width, 108)))
        s = Session(root, rows, sqlite=True)
        env = dict(s.env, INTERLOCK_VAULT_BACKEND="file")
        env.pop("CLAUDE_PROJECT_DIR", None)
        exe = os.path.join(os.path.dirname(sys.executable), "interlock")
        il = [exe] if os.path.exists(exe) else [sys.executable, "-m", "interlock"]
        subprocess.run(il + ["secrets", "vault", "add", "railway"], env=env, input=vault_token + "\n", text=True,
                       capture_output=True, check=True)
        cfg = os.path.join(env["XDG_CONFIG_HOME"], "interlock")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(textwrap.dedent(f"""
                [gateways.http]
                listen = "127.0.0.1:0"
                [gateways.http.routes.railway]
                upstream = "{railway.base}"
                judge_as = "https://backboard.railway.com"
                credential = "railway"
                env = {{ RAILWAY_API_URL = "/graphql/v2" }}
            """))
        files_before = sorted(os.listdir(s.ws))
        con.print(f"\n[dim]project {s.ws}: {s.counts['bookings']:,} bookings (SQLite) · Railway stand-in: volume "
                  f"{VOLUME_ID[:8]}… with {len(railway.volumes[VOLUME_ID]['backups'])} backups[/dim]\n")
        con.print("[bold]$ interlock sandbox -- agent[/bold]")
        p = subprocess.run(il + ["sandbox", "--", sys.executable, "-c", AGENT, VOLUME_ID], env=env, cwd=s.ws,
                           capture_output=True, text=True, timeout=300)
        for line in p.stdout.strip().splitlines():
            con.print(f"   [dim]agent:[/dim] {line}")
        for line in p.stderr.strip().splitlines():
            if "removed from the agent's environment" not in line:
                con.print(f"   [dim]{line[:200]}[/dim]")
        m = re.search(r"\b(sbx-[0-9]{8}-[0-9]{6}-[0-9a-f]{6})\b", p.stderr)
        ok &= p.returncode == 0 and m is not None and "recorded, not sent" in p.stdout
        ok &= TOKEN_IN_SCRIPT in open(os.path.join(s.ws, "scripts", "add_domain.sh")).read()
        if m is None:
            return 1
        sid = m.group(1)

        con.print(f"\n[bold]The change set a human reviews[/bold]  [dim]$ interlock sandbox diff --stat {sid}[/dim]")
        d = subprocess.run(il + ["sandbox", "diff", "--stat", sid], env=env, capture_output=True, text=True)
        for line in d.stdout.strip().splitlines():
            con.print(f"   {line[:150]}")
        j = json.loads(subprocess.run(il + ["sandbox", "diff", "--json", sid], env=env, capture_output=True,
                                      text=True).stdout)
        ok &= any("volumeDelete" in (x.get("summary") or "") and x["decision"] == "deny" for x in j["api_mutations"])
        ok &= any(f["path"] == "data/carrental.db" for f in j["files"])

        con.print("\n[bold]What is real is intact[/bold]")
        real_rows = s.rows("bookings")
        vols = railway.query_volumes()
        intact = (real_rows == s.counts["bookings"] and s.sums() == s.sums_before
                  and sorted(os.listdir(s.ws)) == files_before and any(v["id"] == VOLUME_ID for v in vols)
                  and not railway.received("volumeDelete"))
        ok &= intact
        con.print(f"   bookings in the real database: {real_rows:,} rows, every table's checksum "
                  f"{'matches' if s.sums() == s.sums_before else '[red]DIFFERS[/red]'}; project files: "
                  f"{'all there' if sorted(os.listdir(s.ws)) == files_before else '[red]changed[/red]'}; Railway: "
                  f"volume {VOLUME_ID[:8]}… with {len(vols[0]['backups']) if vols else 0} backups, "
                  f"volumeDelete calls received: {len(railway.received('volumeDelete'))}")

        con.print("\n[bold]A human refuses this change set[/bold]  [dim]$ interlock sandbox discard[/dim]")
        dc = subprocess.run(il + ["sandbox", "discard", sid], env=env, capture_output=True, text=True)
        con.print(f"   {dc.stdout.strip()}")
        ok &= dc.returncode == 0
        con.print(f"\n[bold {'green' if ok else 'red'}]"
                  f"{'Every step came out as it should.' if ok else 'Some steps did not come out as expected.'}"
                  f"[/bold {'green' if ok else 'red'}]")
        return 0 if ok else 1
    finally:
        railway.close()
        shutil.rmtree(root, ignore_errors=True)
