"""Throwaway database servers for tests: PostgreSQL (initdb + pg_ctl) and MariaDB
(mariadb-install-db + mariadbd), each on a temp data directory, a free port and its own
socket, started as an unprivileged user (or ``--user=root`` for MariaDB) when run as root.

Nothing is skipped: a missing server binary fails loudly (``scripts/test`` installs them).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


def pg_bin(name):
    found = shutil.which(name)
    if found and name not in ("initdb", "pg_ctl", "postgres"):
        return found
    cands = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if cands:
        return cands[-1]
    if found:
        return found
    raise AssertionError(f"{name} not found: install PostgreSQL (scripts/test does)")


def pg_bin_dir():
    return os.path.dirname(pg_bin("pg_dump"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, password):
        self.password = password
        self.base = tempfile.mkdtemp(prefix="interlock-pg-")
        os.chmod(self.base, 0o777)
        self.data = os.path.join(self.base, "data")
        self.sockdir = os.path.join(self.base, "sock")
        os.makedirs(self.sockdir)
        os.chmod(self.sockdir, 0o777)
        self.prefix = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            user = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "nobody"
            self.prefix = ["runuser", "-u", user, "--"]
        self.port = free_port()

    def start(self):
        pwfile = os.path.join(self.base, "pw")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        os.chmod(pwfile, 0o644)
        subprocess.run(self.prefix + [pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=scram-sha-256",
                                      "--auth-local=trust", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        os.unlink(pwfile)
        subprocess.run(self.prefix + [pg_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.base, "log"), "-w",
                                      "-t", "60", "-o", f"-p {self.port} -k {self.sockdir} "
                                      f"-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                                      f"-c full_page_writes=off", "start"],
                       check=True, capture_output=True, timeout=90)
        return self

    def url(self, db="postgres", host="127.0.0.1", password=True):
        pw = f":{self.password}" if password else ""
        return f"postgresql://postgres{pw}@{host}:{self.port}/{db}"

    def connect(self, db="postgres", autocommit=False):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", password=self.password,
                               dbname=db, autocommit=autocommit)

    def create_db(self, name):
        with self.connect(autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')

    def stop(self):
        subprocess.run(self.prefix + [pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)


def _mariadb_bin(*names):
    for n in names:
        p = shutil.which(n) or (f"/usr/sbin/{n}" if os.path.exists(f"/usr/sbin/{n}") else None)
        if p:
            return p
    raise AssertionError(f"{names[0]} not found: install mariadb-server (scripts/test does)")


class MariaDBServer:
    def __init__(self, password):
        self.password = password
        self.base = tempfile.mkdtemp(prefix="interlock-my-")
        os.chmod(self.base, 0o777)
        self.data = os.path.join(self.base, "data")
        self.socket = os.path.join(self.base, "mysqld.sock")
        self.port = free_port()
        self.proc = None

    def start(self):
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run([_mariadb_bin("mariadb-install-db", "mysql_install_db"), "--no-defaults",
                        f"--datadir={self.data}", "--auth-root-authentication-method=normal", "--skip-test-db",
                        *user], check=True, capture_output=True, timeout=180)
        self.proc = subprocess.Popen([_mariadb_bin("mariadbd", "mysqld"), "--no-defaults", f"--datadir={self.data}",
                                      f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                                      f"--pid-file={self.base}/mysqld.pid", "--innodb-flush-log-at-trx-commit=0",
                                      "--innodb-buffer-pool-size=64M", "--skip-log-bin",
                                      f"--log-error={self.base}/error.log", *user],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import pymysql

        deadline = time.time() + 60
        while True:
            try:
                c = pymysql.connect(unix_socket=self.socket, user="root", autocommit=True)
                break
            except pymysql.MySQLError:
                if time.time() > deadline or self.proc.poll() is not None:
                    log = open(f"{self.base}/error.log").read()[-2000:] if os.path.exists(
                        f"{self.base}/error.log") else ""
                    raise AssertionError(f"mariadbd did not start: {log}")
                time.sleep(0.3)
        with c.cursor() as cur:
            cur.execute(f"CREATE USER 'app'@'%' IDENTIFIED BY '{self.password}'")
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'app'@'%' WITH GRANT OPTION")
            cur.execute(f"CREATE USER 'app'@'localhost' IDENTIFIED BY '{self.password}'")
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO 'app'@'localhost' WITH GRANT OPTION")
        c.close()
        return self

    def url(self, db="", password=True):
        pw = f":{self.password}" if password else ""
        return f"mysql://app{pw}@127.0.0.1:{self.port}/{db}"

    def connect(self, db=None, autocommit=False):
        import pymysql

        return pymysql.connect(host="127.0.0.1", port=self.port, user="app", password=self.password, database=db,
                               autocommit=autocommit)

    def create_db(self, name):
        c = self.connect(autocommit=True)
        with c.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        c.close()

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.base, ignore_errors=True)
