"""Recovery benchmark: snapshot and restore times, preview latency, snapshot overhead as the
database grows.  Starts its own throwaway PostgreSQL (tests/servers.py) and prints a markdown
table (docs/recovery.md carries the last run).

    .venv/bin/python bench/recovery.py [--rows 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))

from servers import PostgresServer, pg_bin_dir  # noqa: E402

from interlock import safeguards  # noqa: E402
from interlock.actions import Action  # noqa: E402
from interlock.engine import Context, evaluate  # noqa: E402
from interlock.safeguards import sample_data as sd  # noqa: E402

SECRET = "bench-Secret-1"


def _median_ms(fn, n=5):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="10000,100000,1000000")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.rows.split(",")]
    work = tempfile.mkdtemp(prefix="interlock-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE", "INTERLOCK_", "XDG_"))}
    env.update(HOME=work, INTERLOCK_HOME=os.path.join(work, "state"), XDG_CONFIG_HOME=os.path.join(work, "cfg"),
               PATH=pg_bin_dir() + os.pathsep + env.get("PATH", ""), PGPASSWORD=SECRET)
    pg = PostgresServer(SECRET).start()
    rows_out = []
    try:
        for n in sizes:
            db = f"rental_{n}"
            pg.create_db(db)
            t = time.perf_counter()
            with pg.connect(db) as c:
                sd.load("postgres", c, n)
            load_s = time.perf_counter() - t
            e = dict(env, DATABASE_URL=pg.url(db))
            ctx = Context(work, home=work, env=e)
            drop = Action("shell", {"command": 'psql "$DATABASE_URL" -c "DROP TABLE bookings CASCADE"'}, cwd=work)
            delete = Action("shell", {"command": 'psql "$DATABASE_URL" -c "DELETE FROM bookings"'}, cwd=work)
            d_drop, d_del = evaluate(drop, ctx), evaluate(delete, ctx)
            p_drop = _median_ms(lambda: safeguards.preview(drop, d_drop, ctx))
            p_del = _median_ms(lambda: safeguards.preview(delete, d_del, ctx))
            t = time.perf_counter()
            snap = safeguards.snapshot(drop, d_drop, ctx, progress=None)
            snap_s = time.perf_counter() - t
            t = time.perf_counter()
            safeguards.restore(snap.id, to=f"{db}_restored", env=e, progress=None)
            restore_s = time.perf_counter() - t
            with pg.connect(db) as a, pg.connect(f"{db}_restored") as b:
                same = sd.checksums(a) == sd.checksums(b)
            rows_out.append((n, load_s, p_drop, p_del, snap_s, snap.size, restore_s, same))
            print(f"  {n:,} rows done", file=sys.stderr)
    finally:
        pg.stop()
    from interlock.safeguards.preview_sql import human_bytes

    print("| rows | preview DROP TABLE (median) | preview DELETE (median) | snapshot (pg_dump -Fc, verified) "
          "| snapshot size | restore (scratch db + swap) | every row back |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for n, load_s, p_drop, p_del, snap_s, size, restore_s, same in rows_out:
        print(f"| {n:,} | {p_drop:.0f} ms | {p_del:.0f} ms | {snap_s:.2f} s | {human_bytes(size)} | "
              f"{restore_s:.2f} s | {'yes' if same else 'NO'} |")
    import shutil

    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
