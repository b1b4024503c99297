"""Backups benchmark: backup, verify (restore into a scratch database + checksums) and
restore (RTO) times for the car-rental dataset at 100k and 1M rows, and a backup's
overhead on a concurrent pgbench TPC-B run.  Starts its own throwaway PostgreSQL
(tests/servers.py; fsync off like the tests' servers) and prints a markdown table
(docs/backups.md carries the last run; bench/results/backups.md too).

    .venv/bin/python bench/backups.py [--rows 100000,1000000] [--tpcb-seconds 20] [--mysql [--mysql-rows N,...]]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))

from servers import MariaDBServer, PostgresServer, pg_bin, pg_bin_dir  # noqa: E402

from interlock.backups import engine  # noqa: E402
from interlock.backups.home import Home  # noqa: E402
from interlock.safeguards import connect as C  # noqa: E402
from interlock.safeguards import sample_data as sd  # noqa: E402

SECRET = "bench-Secret-2"


def _job(name, url):
    conn = C.from_url(url)
    return {"name": name, "conn": conn.spec(), "timeout_s": 3600}, {"password": conn.password}


def measure(home, name, url, drop):
    job, secret = _job(name, url)
    t = time.perf_counter()
    m = engine.backup(home, job, secret)
    backup_s = time.perf_counter() - t
    v = engine.verify(home, job, secret, m)
    assert v["ok"], v["problems"]
    drop()
    conn = engine.job_conn(job, secret)
    r = engine.restore_into(home, m, m["path"], conn, force=False)
    assert r["ok"], r["problems"]
    return {"backup_s": backup_s, "dump_s": m["dump_seconds"], "encrypt_s": m["encrypt_seconds"],
            "size": m["size"], "plain": m["plain_size"], "verify_s": v["rto_seconds"], "restore_s": r["rto_seconds"],
            "rows": r["rows"]}


def pgbench(pg, db, seconds, clients=4):
    env = dict(os.environ, PGPASSWORD=SECRET)
    p = subprocess.run([pg_bin("pgbench"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-c",
                        str(clients), "-j", "2", "-T", str(seconds), "-n", db], capture_output=True, text=True,
                       env=env, timeout=seconds + 120)
    assert p.returncode == 0, p.stderr
    tps = float(re.search(r"tps = ([\d.]+)", p.stdout).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", p.stdout).group(1))
    return tps, lat


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="100000,1000000")
    ap.add_argument("--tpcb-seconds", type=int, default=20)
    ap.add_argument("--tpcb-scale", type=int, default=10)
    ap.add_argument("--mysql", action="store_true", help="also MariaDB (slower: mysqldump + batched load)")
    ap.add_argument("--mysql-rows", default="100000", help="MariaDB sizes (loading 1M rows takes many minutes)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.rows.split(",")]
    work = tempfile.mkdtemp(prefix="interlock-bench-bk-")
    home = Home(os.path.join(work, "home"))
    home.create(os.getuid(), os.getgid())
    os.environ["PATH"] = pg_bin_dir() + os.pathsep + os.environ.get("PATH", "")
    pg = PostgresServer(SECRET).start()
    my = MariaDBServer(SECRET).start() if args.mysql else None
    out = []
    try:
        for n in sizes:
            db = f"rental_{n}"
            pg.create_db(db)
            with pg.connect(db) as c:
                sd.load("postgres", c, n)

            def drop(db=db):
                with pg.connect(autocommit=True) as c:
                    c.execute(f"DROP DATABASE {db} WITH (FORCE)")

            r = measure(home, db, pg.url(db), drop)
            out.append(("PostgreSQL", n, r))
            print(f"postgres {n}: {r}", file=sys.stderr)
            if my is not None and str(n) in args.mysql_rows.split(","):
                my.create_db(db)
                c = my.connect(db)
                sd.load("mysql", c, n)
                c.close()

                def mdrop(db=db):
                    c = my.connect(autocommit=True)
                    with c.cursor() as cur:
                        cur.execute(f"DROP DATABASE {db}")
                    c.close()

                r = measure(home, db + "_my", my.url(db), mdrop)
                out.append(("MariaDB", n, r))
                print(f"mariadb {n}: {r}", file=sys.stderr)
        # TPC-B: pgbench alone, then with backups of the same database running back to back
        pg.create_db("tpcb")
        subprocess.run([pg_bin("pgbench"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-i", "-q", "-s",
                        str(args.tpcb_scale), "tpcb"], env=dict(os.environ, PGPASSWORD=SECRET), check=True,
                       capture_output=True, timeout=600)
        base_tps, base_lat = pgbench(pg, "tpcb", args.tpcb_seconds)
        job, secret = _job("tpcb", pg.url("tpcb"))
        stop = threading.Event()
        done = []

        def loop():
            while not stop.is_set():
                t = time.perf_counter()
                m = engine.backup(home, job, secret)
                done.append((time.perf_counter() - t, m["size"]))

        th = threading.Thread(target=loop)
        th.start()
        bk_tps, bk_lat = pgbench(pg, "tpcb", args.tpcb_seconds)
        stop.set()
        th.join()
    finally:
        pg.stop()
        if my is not None:
            my.stop()
        shutil.rmtree(work, ignore_errors=True)
    mb = lambda b: f"{b / 1e6:.1f} MB"  # noqa: E731
    lines = ["| database | rows | backup (dump + encrypt) | size (encrypted / plain) | verify (restore into scratch + "
             "checksums) | restore after DROP DATABASE (RTO) |", "|---|---:|---:|---:|---:|---:|"]
    for kind, n, r in out:
        lines.append(f"| {kind} | {n:,} | {r['backup_s']:.1f} s ({r['dump_s']:.1f} + {r['encrypt_s']:.1f}) | "
                     f"{mb(r['size'])} / {mb(r['plain'])} | {r['verify_s']:.1f} s | {r['restore_s']:.1f} s |")
    lines.append("")
    lines.append(f"TPC-B (pgbench -c 4 -j 2, scale {args.tpcb_scale}, {args.tpcb_seconds} s on this 2-core machine): "
                 f"{base_tps:.0f} tps alone ({base_lat:.1f} ms), {bk_tps:.0f} tps with {len(done)} backups of the same "
                 f"database taken back to back during the run ({bk_lat:.1f} ms): "
                 f"{(1 - bk_tps / base_tps) * 100:.0f}% fewer transactions while a backup runs.")
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "backups.md"), "w") as f:
        f.write(f"# bench/backups.py — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{text}\n")


if __name__ == "__main__":
    main()
