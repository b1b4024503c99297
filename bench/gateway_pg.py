"""PostgreSQL gateway overhead: pgbench through ``interlock gateway postgres`` vs straight to the
database, same run, same machine, same throwaway server.

    python bench/gateway_pg.py [--seconds 10] [--clients 8] [--scale 10] [--rounds 1] [--only 1,2,3] [--copy-mb 1024]
                               [--no-guard] [--relay] [--python-path] [--write-docs]

Prints a markdown table (throughput ratio, p50/p99 latency and what the gateway adds, the gateway's
throughput against PgBouncer's, and the CPU seconds each proxy process spent per 10,000 transactions — utime +
stime from /proc/PID/stat, the figure that moves least with what else the machine runs) and, with
``--write-docs``, puts it into docs/gateways.md between the benchmark markers.

``--guard`` (default on) also measures the in-database guard (``interlock protect postgres``): direct TPC-B
without it, with it, and without it again (its overhead is against the mean of the two runs without it).
``--guard-only [--rounds N]``: only that, alternating N runs with it between N + 1 without, printing tps, the
server's CPU time per transaction (its processes' utime + stime from /proc, reaped backends included) and the
load average after each run; for a figure that does not depend on the machine's load, see
bench/pg_guard_cost.py (instructions per transaction under callgrind).

The same run also measures PgBouncer (a C proxy that judges nothing: session pooling, one hop) in
front of the same server, as the reference for what *any* extra loopback hop costs on this machine;
it is installed with apt-get when missing (``--no-pgbouncer`` skips it).
``--copy-mb`` also times a COPY FROM STDIN of that many MB through the gateway and direct.
``--relay`` also measures bench/uvrelay.py — a uvloop TCP relay that judges nothing, the floor of any Python proxy
— in the same rounds: its CPU per 10,000 transactions next to the gateway's and PgBouncer's.
``--python-path`` also measures a second gateway with the native relay off (``INTERLOCK_PG_NATIVE=0``: the
pure-Python path) in the same rounds; the gateway's own log line says whether its native relay is on.

The comparison against PgBouncer, one command (about 7 min):
``python bench/gateway_pg.py --no-guard --rounds 3 --python-path``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))
PW = "bench-upstream-pw"


def cpu_seconds(pid):
    """utime + stime of a process (all its threads) from /proc/PID/stat, in seconds; None when unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def server_cpu(data_dir):
    """CPU seconds the server has used so far: the postmaster, its live children, and the children it reaped
    (backends of finished connections) — read from /proc, so it does not depend on how busy the machine is."""
    hz = os.sysconf("SC_CLK_TCK")
    with open(os.path.join(data_dir, "postmaster.pid")) as f:
        pm = int(f.readline())

    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        return s[s.rindex(")") + 2:].split()
    f = stat(pm)
    total = sum(int(x) for x in f[11:15])                     # utime, stime, cutime, cstime
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != pm:
            try:
                g = stat(d)
            except OSError:
                continue
            if int(g[1]) == pm:
                total += int(g[11]) + int(g[12])
    return total / hz


def pgbench(env, args, seconds, clients, log_dir, pid=None, cpu_of=None):
    """(tps, p50 ms, p99 ms, CPU seconds of process ``pid`` per 10,000 transactions or None); with ``cpu_of`` (a
    data directory) the server's CPU per transaction in µs is left in ``pgbench.cpu_per_tx``."""
    for f in os.listdir(log_dir):
        os.unlink(os.path.join(log_dir, f))
    cpu0 = cpu_seconds(pid) if pid else None
    scpu0 = server_cpu(cpu_of) if cpu_of else 0.0
    r = subprocess.run(["pgbench", *args, "-T", str(seconds), "-c", str(clients), "-j", str(min(clients, 4)),
                        "-l", "--log-prefix", os.path.join(log_dir, "tx"), "-n"],
                       env=env, capture_output=True, text=True, timeout=seconds + 120)
    if r.returncode != 0:
        raise SystemExit(f"pgbench {' '.join(args)} failed: {r.stderr[-1500:]}")
    cpu1 = cpu_seconds(pid) if pid else None
    tps = float(re.search(r"tps = ([\d.]+)", r.stdout).group(1))
    done = int(re.search(r"number of transactions actually processed: (\d+)", r.stdout).group(1))
    per10k = (cpu1 - cpu0) * 10_000 / done if cpu0 is not None and cpu1 is not None and done else None
    if cpu_of:
        time.sleep(0.5)                                        # the backends exit and are reaped
        pgbench.cpu_per_tx = (server_cpu(cpu_of) - scpu0) / max(done, 1) * 1e6
    lat = []
    for f in os.listdir(log_dir):
        with open(os.path.join(log_dir, f)) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3:
                    lat.append(int(parts[2]))  # microseconds
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] / 1000.0 if lat else float("nan")
    return tps, pct(0.50), pct(0.99), per10k


def _median(results):
    """Per column, the median of several pgbench results (tps, p50, p99, CPU per 10k)."""
    def med(xs):
        xs = sorted(x for x in xs if x is not None)
        return xs[len(xs) // 2] if xs else None
    return tuple(med(col) for col in zip(*results))


def find_pgbouncer(install=True):
    """The pgbouncer binary, installed from the distribution when missing and possible."""
    import shutil

    for c in (shutil.which("pgbouncer"), "/usr/sbin/pgbouncer"):
        if c and os.access(c, os.X_OK):
            return c
    if install and shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        e = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "pgbouncer"], env=e, capture_output=True)
        if os.access("/usr/sbin/pgbouncer", os.X_OK):
            return "/usr/sbin/pgbouncer"
    return None


def start_pgbouncer(exe, upstream_port, password, upstream_host):
    """PgBouncer in session mode on a free port, in front of the bench database."""
    from servers import free_port

    d = tempfile.mkdtemp(prefix="interlock-pgbouncer-")
    os.chmod(d, 0o777)  # pgbouncer refuses to run as root: as nobody it writes its log and pid here
    port = free_port()
    with open(os.path.join(d, "users.txt"), "w") as f:
        f.write(f'"postgres" "{password}"\n')
    with open(os.path.join(d, "pgbouncer.ini"), "w") as f:
        f.write(f"[databases]\nbench = host={upstream_host} port={upstream_port} dbname=bench\n"
                f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = plain\n"
                f"auth_file = {d}/users.txt\npool_mode = session\nmax_client_conn = 200\n"
                f"default_pool_size = 50\nunix_socket_dir =\nlogfile = {d}/log\npidfile = {d}/pid\n")
    argv = [exe] + (["-u", "nobody"] if os.geteuid() == 0 else []) + [os.path.join(d, "pgbouncer.ini")]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, port


def copy_mb(port, mb, user, password):
    import psycopg

    row = ("y" * 999 + "\n").encode()
    chunk = row * 1024
    n = max(1, mb * 1024 * 1024 // len(chunk))
    with psycopg.connect(host="127.0.0.1", port=port, dbname="bench", user=user, password=password,
                         autocommit=True) as c:
        name = f"copy_{port}_{time.time_ns()}"
        c.execute(f"CREATE UNLOGGED TABLE {name} (line text)")
        t = time.perf_counter()
        with c.cursor().copy(f"COPY {name} (line) FROM STDIN") as cp:
            for _ in range(n):
                cp.write(chunk)
        return time.perf_counter() - t, n * len(chunk) / 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--copy-mb", type=int, default=0)
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--unix-upstream", action="store_true",
                    help="the gateway (and PgBouncer) reach PostgreSQL by its unix socket, as when deployed "
                         "next to the database; the clients' legs stay TCP")
    ap.add_argument("--no-pgbouncer", action="store_true", help="skip the PgBouncer reference")
    ap.add_argument("--no-guard", action="store_true", help="skip the in-database guard's overhead")
    ap.add_argument("--relay", action="store_true", help="also measure a uvloop relay that judges nothing "
                                                         "(bench/uvrelay.py): the floor of a Python proxy")
    ap.add_argument("--python-path", action="store_true", help="also measure a gateway with the native relay off "
                                                                "(INTERLOCK_PG_NATIVE=0) in the same rounds")
    ap.add_argument("--rounds", type=int, default=None, help="runs of direct, gateway and PgBouncer, alternated "
                                                              "(default 1); with --guard-only, runs with the guard "
                                                              "between runs without (default 2); the table "
                                                              "shows each one's median")
    ap.add_argument("--only", default="", help="workloads to run, e.g. 1,3 (1 select-only, 2 prepared, 3 TPC-B; "
                                               "4 select-only with an unnamed statement per transaction, "
                                               "-M extended, as psycopg sends — not run by default)")
    ap.add_argument("--guard-implementation", choices=["auto", "c", "plpgsql"], default="auto",
                    help="the guard's row-count triggers: auto (C when ext/postgres is installed on the server), c, "
                         "plpgsql")
    ap.add_argument("--guard-only", action="store_true", help="only the in-database guard's overhead (direct TPC-B "
                                                              "without, with, without, with, without it)")
    a = ap.parse_args(argv)
    a.rounds = a.rounds or (2 if a.guard_only else 1)
    from servers import PostgresServer, free_port

    pg = PostgresServer(PW).start()
    work = tempfile.mkdtemp(prefix="interlock-gwbench-")
    gw = bouncer = relay = pyg = None
    try:
        pg.create_db("bench")
        home = os.path.join(work, "home")
        os.makedirs(os.path.join(home, ".config", "interlock"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("INTERLOCK_", "PG", "XDG_"))}
        env.update(HOME=home, INTERLOCK_HOME=os.path.join(work, "state"), XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   INTERLOCK_VAULT_BACKEND="file", PYTHONPATH=os.path.join(ROOT, "src"))
        with open(os.path.join(home, ".config", "interlock", "policy.toml"), "w") as f:
            where = f"/bench?host={pg.sockdir}&port={pg.port}" if a.unix_upstream else f"127.0.0.1:{pg.port}/bench"
            f.write(f'[databases.bench]\nurl = "postgresql://postgres@{where}"\n'
                    f'password_vault = "bench-db"\n')
        from interlock.vault import Vault

        Vault(env).add("bench-db", PW)
        direct = dict(env, PGHOST="127.0.0.1", PGPORT=str(pg.port), PGUSER="postgres", PGPASSWORD=PW,
                      PGDATABASE="bench")
        subprocess.run(["pgbench", "-i", "-q", "-s", str(a.scale)], env=direct, check=True, capture_output=True)
        port = free_port()
        gw = subprocess.Popen([sys.executable, "-m", "interlock", "gateway", "postgres", "--listen",
                               f"127.0.0.1:{port}", "--upstream", "bench"], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        pythoned = None
        if a.python_path:
            pyport = free_port()
            pyg = subprocess.Popen([sys.executable, "-m", "interlock", "gateway", "postgres", "--listen",
                                    f"127.0.0.1:{pyport}", "--upstream", "bench"], env=dict(env, INTERLOCK_PG_NATIVE="0"),
                                   cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            pythoned = dict(env, PGHOST="127.0.0.1", PGPORT=str(pyport), PGUSER="agent", PGDATABASE="bench")
        exe = None if a.no_pgbouncer else find_pgbouncer()
        if exe:
            bouncer, bport = start_pgbouncer(exe, pg.port, PW, pg.sockdir if a.unix_upstream else "127.0.0.1")
        relayed = None
        if a.relay:
            rport = free_port()
            relay = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "uvrelay.py"), str(rport),
                                      "127.0.0.1", str(pg.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            relayed = dict(direct, PGPORT=str(rport))
        time.sleep(1.5)
        pooled = dict(direct, PGPORT=str(bport)) if bouncer else None
        through = dict(env, PGHOST="127.0.0.1", PGPORT=str(port), PGUSER="agent", PGDATABASE="bench")
        mode = "native relay: unknown"
        try:   # the gateway's first log line: "... (event loop: uvloop; native relay: on)"
            import select
            if select.select([gw.stderr], [], [], 5)[0]:
                m = re.search(rb"native relay: [a-z ]+", os.read(gw.stderr.fileno(), 4096))
                mode = m.group(0).decode() if m else mode
        except OSError:
            pass
        print(f"gateway: {mode}", file=sys.stderr)
        logs = os.path.join(work, "logs")
        os.makedirs(logs)
        rows = []
        floor = []
        pyrows = []
        if a.guard_only:
            protect = [sys.executable, "-m", "interlock", "protect", "postgres", pg.url("bench"),
                       f"--implementation={a.guard_implementation}"]
            pgbench(direct, [], 3, a.clients, logs)
            runs = {"without": [], "with": []}
            cpu = {"without": [], "with": []}
            load = []
            for i in range(2 * a.rounds + 1):
                on = i % 2 == 1
                subprocess.run(protect[:-1] + (protect[-1:] if on else ["--remove"]), env=env, check=True,
                               capture_output=True, timeout=300)
                runs["with" if on else "without"].append(pgbench(direct, [], a.seconds, a.clients, logs,
                                                                 cpu_of=pg.data)[0])
                cpu["with" if on else "without"].append(pgbench.cpu_per_tx)
                load.append(os.getloadavg()[0])
            base, guarded = sum(runs["without"]) / len(runs["without"]), sum(runs["with"]) / len(runs["with"])
            cb, cg = sum(cpu["without"]) / len(cpu["without"]), sum(cpu["with"]) / len(cpu["with"])
            print(f"guard's row-count triggers: {a.guard_implementation}; "
                  f"direct TPC-B-like, {a.clients} clients, {a.seconds} s per run, alternating: without the guard "
                  f"{', '.join(f'{x:,.0f}' for x in runs['without'])} tps; with it "
                  f"{', '.join(f'{x:,.0f}' for x in runs['with'])} tps; overhead {(1 - guarded / base) * 100:.1f}%. "
                  f"Server CPU per transaction: {', '.join(f'{x:.0f}' for x in cpu['without'])} µs without, "
                  f"{', '.join(f'{x:.0f}' for x in cpu['with'])} µs with ({(cg / cb - 1) * 100:+.1f}%). "
                  f"Load average (1 min) after each run: {', '.join(f'{x:.1f}' for x in load)}")
            return
        workloads = (("select-only (-S)", ["-S"]), ("select-only, prepared (-S -M prepared)", ["-S", "-M", "prepared"]),
                     ("TPC-B-like (default)", []),
                     ("select-only, extended (-S -M extended)", ["-S", "-M", "extended"]))   # only with --only 4
        for label, args in [w for i, w in enumerate(workloads)
                            if (str(i + 1) in a.only.split(",") if a.only else i < 3)]:
            pgbench(direct, args, 2, a.clients, logs)    # warm both paths (and the gateway's caches)
            pgbench(through, args, 2, a.clients, logs)
            if pythoned:
                pgbench(pythoned, args, 2, a.clients, logs)
            runs = {"d": [], "g": [], "b": [], "r": [], "p": []}
            for _ in range(a.rounds):   # alternated: a machine whose load drifts favours neither
                runs["d"].append(pgbench(direct, args, a.seconds, a.clients, logs))
                runs["g"].append(pgbench(through, args, a.seconds, a.clients, logs, gw.pid))
                if pooled:
                    runs["b"].append(pgbench(pooled, args, a.seconds, a.clients, logs, bouncer.pid))
                if relayed:
                    runs["r"].append(pgbench(relayed, args, a.seconds, a.clients, logs, relay.pid))
                if pythoned:
                    runs["p"].append(pgbench(pythoned, args, a.seconds, a.clients, logs, pyg.pid))
            d, g, b, r, py = (_median(runs[k]) if runs[k] else None for k in "dgbrp")
            rows.append((label, d, g, b))
            if r:
                floor.append((label, g, b, r))
            if py:
                pyrows.append((label, g, b, py))
        load = os.getloadavg()
        lines = [f"pgbench, {a.clients} clients, {a.seconds} s each"
                 + (f" (median of {a.rounds} alternated runs)" if a.rounds > 1 else "")
                 + f", scale {a.scale}; {platform.machine()}, "
                 f"{os.cpu_count()} CPUs, PostgreSQL and the gateway on the same machine; clients connect by TCP, "
                 f"the gateway and PgBouncer reach PostgreSQL by "
                 + ("its unix socket." if a.unix_upstream else "TCP.")
                 + f" Load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min). CPU seconds are the "
                   "gateway's and PgBouncer's own (utime + stime, /proc/PID/stat) over their runs: they depend far less than throughput on "
                   "what else the machine runs.", "",
                 "| workload | direct tps | gateway tps | ratio | p50 direct → gateway (ms) | "
                 "p99 direct → gateway (ms) | added p50 / p99 (ms) | PgBouncer tps (ratio) | gateway / PgBouncer | "
                 "CPU s per 10k tx: gateway / PgBouncer (ratio) |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for label, d, g, b in rows:
            ref = f"{b[0]:,.0f} ({b[0] / d[0]:.2f})" if b else "not measured"
            vs = f"{g[0] / b[0]:.2f}×" if b else "—"
            cpu = (f"{g[3]:.2f} / {b[3]:.2f} ({g[3] / b[3]:.2f}×)" if b and g[3] is not None and b[3]
                   else (f"{g[3]:.2f} / —" if g[3] is not None else "—"))
            lines.append(f"| {label} | {d[0]:,.0f} | {g[0]:,.0f} | {g[0] / d[0]:.2f} | {d[1]:.2f} → {g[1]:.2f} | "
                         f"{d[2]:.2f} → {g[2]:.2f} | {g[1] - d[1]:+.2f} / {g[2] - d[2]:+.2f} | {ref} | {vs} | {cpu} |")
        if floor:
            lines += ["", "A uvloop relay that judges nothing (bench/uvrelay.py: the floor of a Python proxy), same "
                          "rounds — CPU s per 10k tx, gateway / relay / PgBouncer:"]
            for label, g, b, r in floor:
                lines.append(f"* {label}: {g[3]:.3f} / {r[3]:.3f} / " + (f"{b[3]:.3f}" if b else "—")
                             + f" (relay {r[0]:,.0f} tps; gateway / relay {g[3] / r[3]:.2f}×"
                             + (f", relay / PgBouncer {r[3] / b[3]:.2f}×)" if b else ")"))
        if pyrows:
            lines += ["", "The same gateway with its native relay off (INTERLOCK_PG_NATIVE=0, the pure-Python path), "
                          "same rounds — tps and CPU s per 10k tx, native / pure-Python / PgBouncer:"]
            for label, g, b, py in pyrows:
                lines.append(f"* {label}: tps {g[0]:,.0f} / {py[0]:,.0f} / " + (f"{b[0]:,.0f}" if b else "—")
                             + f"; CPU {g[3]:.3f} / {py[3]:.3f} / " + (f"{b[3]:.3f}" if b else "—")
                             + (f" (native / PgBouncer {g[3] / b[3]:.2f}×, pure-Python / PgBouncer "
                                f"{py[3] / b[3]:.2f}×)" if b else ""))
        lines[0] = lines[0] + f" Gateway: {mode}."
        if not a.no_guard:
            protect = [sys.executable, "-m", "interlock", "protect", "postgres", pg.url("bench"),
                       f"--implementation={a.guard_implementation}"]
            before = pgbench(direct, [], a.seconds, a.clients, logs)
            r = subprocess.run(protect, env=env, capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise SystemExit(f"interlock protect failed: {r.stderr[-1500:]}")
            pgbench(direct, [], 2, a.clients, logs)
            guarded = pgbench(direct, [], a.seconds, a.clients, logs)
            subprocess.run(protect[:-1] + ["--remove"], env=env, check=True, capture_output=True, timeout=300)
            after = pgbench(direct, [], a.seconds, a.clients, logs)
            base = (before[0] + after[0]) / 2
            impl = "C" if "row-count triggers in C" in r.stdout else "PL/pgSQL"
            lines += ["", f"In-database guard (statement triggers on every table, in {impl}; TRUNCATE "
                          f"and event triggers) on a direct TPC-B-like run: {base:,.0f} tps without it (mean of "
                          f"{before[0]:,.0f} before and {after[0]:,.0f} after), {guarded[0]:,.0f} tps with it: "
                          f"overhead {(1 - guarded[0] / base) * 100:.1f}% (p50 {before[1]:.2f} → {guarded[1]:.2f} "
                          "ms)."]
        if not pooled:
            lines += ["", "PgBouncer (the reference for one extra loopback hop) was not measured: "
                          + ("--no-pgbouncer." if a.no_pgbouncer else "not installed and could not be.")]
        if a.copy_mb:
            td, mb = copy_mb(pg.port, a.copy_mb, "postgres", PW)
            tg, _ = copy_mb(port, a.copy_mb, "agent", None)
            lines += ["", f"COPY FROM STDIN of {mb:,.0f} MB: direct {td:.1f} s ({mb / td:,.0f} MB/s), "
                          f"through the gateway {tg:.1f} s ({mb / tg:,.0f} MB/s) (CopyData is streamed, "
                          "never buffered whole)."]
        table = "\n".join(lines)
        print(table)
        if a.write_docs:
            path = os.path.join(ROOT, "docs", "gateways.md")
            text = open(path).read()
            start, end = "<!-- bench:gateway_pg -->", "<!-- /bench:gateway_pg -->"
            text = re.sub(re.escape(start) + ".*?" + re.escape(end), start + "\n" + table + "\n" + end, text,
                          flags=re.S)
            open(path, "w").write(text)
    finally:
        for p in (gw, bouncer, relay, pyg):
            if p is not None:
                p.terminate()
                p.wait(10)
        pg.stop()


if __name__ == "__main__":
    main()
