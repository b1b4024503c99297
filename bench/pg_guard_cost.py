"""The in-database guard's cost per TPC-B transaction, counted in CPU instructions — a figure that does not
depend on how busy the machine is (wall-clock figures: ``bench/gateway_pg.py --guard-only``).

    python bench/pg_guard_cost.py [--transactions 400] [--scale 1]

A throwaway PostgreSQL; for each variant the pgbench tables are created afresh (same rows, same pages,
VACUUM ANALYZE, CHECKPOINT), the server is stopped, and a single-user backend (``postgres --single``) runs
the same script of N pgbench TPC-B transactions (BEGIN; UPDATE accounts; SELECT; UPDATE tellers; UPDATE
branches; INSERT history; END — literal values from a fixed seed) under valgrind's callgrind, which counts
the instructions the backend executes.  A run of 10 transactions is subtracted (start-up, catalog caches,
PL/pgSQL's first compile), so the figure is per transaction in steady state.

Variants, one run: without the guard; ``interlock protect --implementation plpgsql`` (the PL/pgSQL trigger
functions); ``--implementation c`` (the interlock_guard extension's C trigger function, ext/postgres: build and
install it first — ``make -C ext/postgres install`` as root, or ``./scripts/test`` does).  ``--variants`` adds
the experiments that chose the design (a trigger whose PL/pgSQL or C function does nothing, a trigger with a
``WHEN`` on the counters, version 2's SECURITY DEFINER function).

Measured (PostgreSQL 15, scale 1, 400 transactions; session 9, guard version 5 with the budget across
transactions): C guard +3.8%, PL/pgSQL guard +11.5% (version 4, session 8: +2.9% / +8.2%; the difference is
the budget's INSERT trigger and its check of the login: ``--variants`` measures each implementation without a
budgeted role); an empty PL/pgSQL trigger function +5.0%, an empty C one +1.7% — the trigger machinery itself
costs 1.7%, the PL/pgSQL call on top of it 3.3%, the C function's check 1.2%.

What it leaves out: the network and the client (pgbench over TCP adds both, so the guard's share of a real
run's time is smaller than its share of the backend's instructions), lock waits between sessions.
Needs valgrind (apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))
PW = "bench-guard-pw"
TABLES = ["pgbench_accounts", "pgbench_tellers", "pgbench_branches", "pgbench_history"]

# the previous version (2): one SECURITY DEFINER function for DELETE and UPDATE, the floor as a trigger argument
V2_FAST = r"""
CREATE OR REPLACE FUNCTION interlock.check_rows_fast_v2() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
    n pg_catalog.int8;
    d pg_catalog.text;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        n := pg_catalog.pg_stat_get_xact_tuples_deleted(TG_RELID);
    ELSE
        n := pg_catalog.pg_stat_get_xact_tuples_updated(TG_RELID);
    END IF;
    IF n OPERATOR(pg_catalog.>) 0 THEN
        d := pg_catalog.pg_stat_force_next_flush()::pg_catalog.text;
    END IF;
    IF n OPERATOR(pg_catalog.<) TG_ARGV[0]::pg_catalog.int8 THEN
        RETURN NULL;
    END IF;
    PERFORM interlock.over_limit(TG_RELID, TG_OP);
    RETURN NULL;
END $fn$;
CREATE OR REPLACE FUNCTION interlock.noop() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NULL; END $fn$;
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--transactions", type=int, default=400)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--variants", action="store_true", help="also the design experiments")
    ap.add_argument("--only", action="append", default=[], help="only the variants whose label has this text "
                                                                    "(besides the run without the guard)")
    a = ap.parse_args(argv)
    if not shutil.which("valgrind"):
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    from servers import PostgresServer, pg_bin
    from interlock.safeguards import pgguard

    pg = PostgresServer(PW).start()
    try:
        pg.create_db("bench")
        env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(pg.port), PGUSER="postgres", PGPASSWORD=PW,
                   PGDATABASE="bench")
        rnd = random.Random(1)
        lines = []
        for _ in range(a.transactions):
            aid, tid, bid, d = (rnd.randint(1, 100000 * a.scale), rnd.randint(1, 10 * a.scale),
                                rnd.randint(1, a.scale), rnd.randint(-5000, 5000))
            lines += ["BEGIN;", f"UPDATE pgbench_accounts SET abalance = abalance + {d} WHERE aid = {aid};",
                      f"SELECT abalance FROM pgbench_accounts WHERE aid = {aid};",
                      f"UPDATE pgbench_tellers SET tbalance = tbalance + {d} WHERE tid = {tid};",
                      f"UPDATE pgbench_branches SET bbalance = bbalance + {d} WHERE bid = {bid};",
                      f"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ({tid}, {bid}, {aid}, "
                      f"{d}, CURRENT_TIMESTAMP);", "END;"]
        scripts = {}
        for name, part in (("small", lines[:70]), ("all", lines)):
            scripts[name] = os.path.join(pg.base, f"{name}.sql")
            with open(scripts[name], "w") as f:
                f.write("\n".join(part) + "\n")
            os.chmod(scripts[name], 0o644)
        opts = f"-p {pg.port} -k {pg.sockdir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"

        def sql(*stmts):
            with pg.connect("bench", autocommit=True) as c:
                for s in stmts:
                    c.execute(s)

        def ctl(*args):
            subprocess.run(pg.prefix + [pg_bin("pg_ctl"), "-D", pg.data, "-w", *args], check=True,
                           capture_output=True, timeout=120)

        def instructions(script):
            r = subprocess.run(pg.prefix + ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                            pg_bin("postgres"), "--single", "-D", pg.data, "-c", "fsync=off",
                                            "-c", "synchronous_commit=off", "bench"],
                               stdin=open(script), capture_output=True, text=True, timeout=3600)
            m = re.search(r"Collected : (\d+)", r.stderr)
            if not m or "ERROR:" in r.stdout + r.stderr:
                raise SystemExit(f"the single-user run failed: {(r.stdout + r.stderr)[-1500:]}")
            return int(m.group(1))

        def retrigger(fn, when=""):
            with pg.connect("bench", autocommit=True) as c:
                c.execute("SET interlock.installing = 'on'")
                for t in TABLES:
                    for op in ("delete", "update"):
                        c.execute(f"DROP TRIGGER interlock_guard_{op} ON {t}")
                        c.execute(f"CREATE TRIGGER interlock_guard_{op} AFTER {op} ON {t} FOR EACH STATEMENT "
                                  f"{when.format(op=op, t=t)} EXECUTE FUNCTION {fn.format(op=op)}")

        def install(impl="plpgsql", budget_roles=None):
            with pg.connect("bench") as c:
                pgguard.install(c, implementation=impl, budget={"budget_roles": budget_roles})

        def measure(setup):
            with pg.connect("bench") as c:
                if c.execute("SELECT to_regclass('interlock.settings')").fetchone()[0]:
                    pgguard.remove(c)
            subprocess.run(["pgbench", "-i", "-q", "-s", str(a.scale)], env=env, check=True, capture_output=True)
            setup()
            sql("VACUUM ANALYZE", "CHECKPOINT")
            ctl("-m", "fast", "stop")
            try:
                return (instructions(scripts["all"]) - instructions(scripts["small"])) / (a.transactions - 10)
            finally:
                ctl("-l", os.path.join(pg.base, "log"), "-o", opts, "start")

        variants = [("without the guard", lambda: None),
                    (f"interlock protect, PL/pgSQL (guard version {pgguard.VERSION})", install),
                    (f"interlock protect, C (guard version {pgguard.VERSION}, extension {pgguard.EXTENSION})",
                     lambda: install("c"))]
        if a.variants:
            def v2():
                install(budget_roles="")   # (no INSERT trigger: the delete / update triggers alone)
                sql(V2_FAST)
                retrigger("interlock.check_rows_fast_v2('10')")

            def noop():
                install(budget_roles="")   # (no INSERT trigger: the delete / update triggers alone)
                sql(V2_FAST)
                retrigger("interlock.noop()")

            def when():
                install(budget_roles="")   # (no INSERT trigger: the delete / update triggers alone)
                sql(V2_FAST)
                retrigger("interlock.noop()", "WHEN (pg_catalog.pg_stat_get_xact_tuples_{op}d('{t}'::regclass) "
                                              ">= 1000000)")
            def c_noop():
                install(budget_roles="")   # (no INSERT trigger: the delete / update triggers alone)
                sql("CREATE EXTENSION IF NOT EXISTS interlock_guard SCHEMA interlock",   # (a bench-only symbol)
                    "CREATE FUNCTION interlock.guard_noop() RETURNS trigger LANGUAGE C AS '$libdir/interlock_guard', "
                    "'interlock_guard_noop'")
                retrigger("interlock.guard_noop()")
            variants += [("C, no budgeted role (no INSERT trigger, no budget check)", lambda: install("c", "")),
                         ("PL/pgSQL, no budgeted role (no INSERT trigger, no budget check)",
                          lambda: install("plpgsql", "")),
                         ("a trigger whose C function does nothing", c_noop),
                         ("version 2's SECURITY DEFINER function", v2),
                         ("a trigger whose PL/pgSQL function does nothing", noop),
                         ("a WHEN on the counter (never true), no function call", when)]
        if a.only:
            variants = [v for i, v in enumerate(variants) if i == 0 or any(o in v[0] for o in a.only)]
        print(f"load average {os.getloadavg()[0]:.1f} (instruction counts do not depend on it)")
        base = None
        print(f"instructions per TPC-B transaction in a single-user backend (scale {a.scale}, "
              f"{a.transactions} transactions, PostgreSQL {pg_version(pg)}):")
        for label, setup in variants:
            n = measure(setup)
            base = base or n
            print(f"  {label}: {n:,.0f}" + (f" ({(n / base - 1) * 100:+.1f}%)" if n != base else ""), flush=True)
    finally:
        pg.stop()


def pg_version(pg):
    with pg.connect("postgres", autocommit=True) as c:
        return c.execute("SHOW server_version").fetchone()[0].split()[0]


if __name__ == "__main__":
    main()
