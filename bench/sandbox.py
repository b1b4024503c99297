"""``interlock sandbox`` start-up and overhead, on a throwaway PostgreSQL and this repository.

    python bench/sandbox.py [--rows 100000 1000000] [--runs 3] [--tests tests/test_inline.py] [--write-docs]

1. **Start with a database branch**: for each row count, a fresh ``bookings`` table of that many
   car-rental rows (and a ``cars`` table) behind ``[gateways.postgres.app]``; the time of
   ``interlock sandbox -- python -c 'print(time.time())'`` from the command's start to the agent's
   first line (workspace manifest, overlay, ``CREATE DATABASE … TEMPLATE``, gateways, bubblewrap), and
   the branch's own time.  The issue's target: ≤ 3 s at 100k rows.
2. **The test suite inside vs outside**: ``pytest TESTS`` run directly and inside a sandbox of this
   repository (no gateways), median of ``--runs``; the target: within 10 %.

``--write-docs`` puts the table into docs/sandbox.md between the benchmark markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))
PW = "bench-sandbox-pw"


def interlock():
    exe = os.path.join(os.path.dirname(sys.executable), "interlock")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "interlock"]


def env_for(base):
    home = os.path.join(base, "home")
    os.makedirs(os.path.join(home, ".config", "interlock"), exist_ok=True)
    e = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "PG"))}
    e.update(HOME=home, INTERLOCK_HOME=os.path.join(base, "state"), XDG_CONFIG_HOME=os.path.join(home, ".config"),
             INTERLOCK_DAEMON="0", INTERLOCK_VAULT_BACKEND="file",
             PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return e


def start_with_branch(pg, rows, base, runs=3):
    from servers import free_port

    db = f"app{rows}"
    pg.create_db(db)
    with pg.connect(db, autocommit=True) as c:
        c.execute("CREATE TABLE cars (id int PRIMARY KEY, model text, daily_rate numeric)")
        c.execute("INSERT INTO cars SELECT g, 'model ' || g, 30 + g % 70 FROM generate_series(1, 500) g")
        c.execute("CREATE TABLE bookings (id bigint PRIMARY KEY, car_id int REFERENCES cars, customer text, "
                  "starts date, ends date, price numeric)")
        c.execute(f"INSERT INTO bookings SELECT g, 1 + g % 500, 'customer ' || g, date '2026-01-01' + g % 300, "
                  f"date '2026-01-03' + g % 300, 60 + g % 400 FROM generate_series(1, {rows}) g")
        c.execute("VACUUM ANALYZE")
        size = c.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    e = env_for(os.path.join(base, f"r{rows}"))
    subprocess.run(interlock() + ["secrets", "vault", "add", "app-db"], env=e, input=PW + "\n", check=True,
                   capture_output=True, text=True)
    with open(os.path.join(e["XDG_CONFIG_HOME"], "interlock", "policy.toml"), "w") as f:
        f.write(f'[databases.app]\nurl = "postgresql://postgres@127.0.0.1:{pg.port}/{db}"\n'
                f'password_vault = "app-db"\n[gateways.postgres.app]\nlisten = "127.0.0.1:{free_port()}"\n')
    ws = os.path.join(base, f"r{rows}", "proj")
    os.makedirs(ws)
    subprocess.run(["git", "init", "-q", ws], check=True)
    with open(os.path.join(ws, "app.py"), "w") as f:
        f.write("print('app')\n")
    starts, branches = [], []
    for _ in range(runs):
        t0 = time.time()
        p = subprocess.run(interlock() + ["sandbox", "--", sys.executable, "-c",
                                          "import time, os; print(time.time()); print(os.environ['DATABASE_URL'])"],
                           env=e, cwd=ws, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise SystemExit(f"sandbox failed: {p.stderr[-2000:]}")
        starts.append(float(p.stdout.split()[0]) - t0)
        sid = re.search(r"\b(sbx-\S+?):", p.stderr).group(1)
        meta = json.load(open(os.path.join(e["INTERLOCK_HOME"], "sandboxes", sid, "meta.json")))
        info = meta["databases"]["app"]
        branches.append(info["seconds"])
        subprocess.run(interlock() + ["sandbox", "discard", sid], env=e, capture_output=True, check=True)
    return {"rows": rows, "db_mb": size / 1e6, "start_s": statistics.median(starts), "start_best": min(starts),
            "branch_s": statistics.median(branches), "method": info["method"]}


def suite(tests, runs, base):
    e = env_for(os.path.join(base, "suite"))
    cmd = [sys.executable, "-m", "pytest", *tests, "-q", "-o", "addopts=", "-p", "no:cacheprovider", "-x"]
    outside, inside, own_out, own_in = [], [], [], []

    def own(text):  # pytest's own figure: "N passed in 2.34s" (the same tests must pass on both sides)
        passed.add(re.findall(r"(\d+) passed", text)[-1])
        return float(re.findall(r" in ([\d.]+)s", text)[-1])
    passed = set()
    for _ in range(runs):
        t = time.monotonic()
        p = subprocess.run(cmd, cwd=ROOT, env=dict(e, HOME=os.environ.get("HOME", "/root")), capture_output=True,
                           text=True, check=True)
        outside.append(time.monotonic() - t)
        own_out.append(own(p.stdout))
        t = time.monotonic()
        p = subprocess.run(interlock() + ["sandbox", "--no-gateways", "--", *cmd], cwd=ROOT, env=e,
                           capture_output=True, text=True)
        inside.append(time.monotonic() - t)
        own_in.append(own(p.stdout))
        if p.returncode != 0:
            raise SystemExit(f"the suite failed inside the sandbox: {p.stdout[-1500:]}{p.stderr[-1500:]}")
        sid = re.search(r"\b(sbx-\S+?):", p.stderr).group(1)
        subprocess.run(interlock() + ["sandbox", "discard", sid], env=e, capture_output=True, check=True)
    if len(passed) != 1:
        raise SystemExit(f"not the same tests passed inside and outside: {sorted(passed)}")
    m = statistics.median
    return m(outside), m(inside), m(own_out), m(own_in)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tests", nargs="+", default=["tests/test_inline.py"])
    ap.add_argument("--write-docs", action="store_true")
    a = ap.parse_args()
    from servers import PostgresServer

    base = tempfile.mkdtemp(prefix="interlock-bench-sbx-")
    pg = PostgresServer(PW).start()
    try:
        starts = [start_with_branch(pg, n, base, a.runs) for n in a.rows]
    finally:
        pg.stop()
    out_s, in_s, own_out, own_in = suite(a.tests, a.runs, base)
    shutil.rmtree(base, ignore_errors=True)
    load = os.getloadavg()[0]
    lines = [f"{platform.machine()}, {os.cpu_count()} CPUs (load average {load:.1f} at the end of the run: other "
             f"work shares the machine), PostgreSQL on the same machine; bubblewrap "
             f"{subprocess.run(['bwrap', '--version'], capture_output=True, text=True).stdout.split()[-1]}, "
             f"overlay mode.", "",
             f"| bookings rows | database size | sandbox start → agent's first line (median of {a.runs}; best) "
             f"| of which the branch (median) | branch method |",
             "|---:|---:|---:|---:|---|"]
    for s in starts:
        lines.append(f"| {s['rows']:,} | {s['db_mb']:.0f} MB | {s['start_s']:.2f} s; {s['start_best']:.2f} s | "
                     f"{s['branch_s']:.2f} s | `{s['method']}` |")
    files = sum(len(f) + len(d) for _, d, f in os.walk(ROOT))
    lines += ["", f"`pytest {' '.join(a.tests)}` on this repository ({files:,} files with its .venv; median of "
                  f"{a.runs}): pytest's own time outside {own_out:.2f} s, inside a sandbox {own_in:.2f} s "
                  f"(×{own_in / own_out:.2f}); the whole command {out_s:.2f} s → {in_s:.2f} s "
                  f"(×{in_s / out_s:.2f}, the sandbox's start — the workspace's manifest, its secret files, the "
                  f"overlay — included)."]
    table = "\n".join(lines)
    print(table)
    if a.write_docs:
        p = os.path.join(ROOT, "docs", "sandbox.md")
        text = open(p).read()
        new = re.sub(r"(<!-- bench:sandbox -->\n).*?(<!-- /bench:sandbox -->)", lambda m: m.group(1) + table + "\n"
                     + m.group(2), text, flags=re.S)
        open(p, "w").write(new)


if __name__ == "__main__":
    main()
