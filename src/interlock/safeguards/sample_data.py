"""A realistic car-rental dataset (customers, vehicles, bookings, payments) for PostgreSQL,
MySQL/MariaDB and SQLite: the data the incident destroyed, for tests, benchmarks and demos.

``load(dialect, target, rows=100_000)`` creates the schema (foreign keys, indexes, three
views over bookings) and fills it fast (COPY on PostgreSQL, batched inserts elsewhere).
The data is deterministic for a given ``seed``.  ``checksums(con, dialect)`` gives
(rows, sha256) per table, to prove a restore brought back every row.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random

TABLES = ("customers", "vehicles", "bookings", "payments")
VIEWS = ("active_bookings", "revenue_by_vehicle", "customer_bookings")

_FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kwame", "Lena",
          "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Yara", "Zoe")
_LAST = ("Silva", "Novak", "Okafor", "Müller", "Tanaka", "Haddad", "Kowalski", "Andersen", "García", "Rossi",
         "Nguyen", "Dubois", "O'Brien", "Kim", "Larsen", "Mbeki", "Costa", "Fischer", "Ivanova", "Patel")
_CITIES = ("Lisbon", "Porto", "Faro", "Madrid", "Seville", "Lyon", "Nice", "Munich", "Vienna", "Dublin")
_CARS = (("Toyota", "Corolla", 4200), ("Toyota", "RAV4", 6100), ("VW", "Golf", 4500), ("VW", "Polo", 3600),
         ("Renault", "Clio", 3400), ("Peugeot", "308", 4300), ("BMW", "320i", 7900), ("Tesla", "Model 3", 9900),
         ("Fiat", "500", 3100), ("Ford", "Transit", 8800), ("Skoda", "Octavia", 4700), ("Kia", "Niro EV", 6900))

_DDL = {
    "postgres": [
        "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, "
        "phone text, city text, created_at date NOT NULL)",
        "CREATE TABLE vehicles (id integer PRIMARY KEY, plate text NOT NULL UNIQUE, make text NOT NULL, "
        "model text NOT NULL, year integer, daily_rate_cents integer NOT NULL, status text NOT NULL)",
        "CREATE TABLE bookings (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id), "
        "vehicle_id integer NOT NULL REFERENCES vehicles(id), start_date date NOT NULL, end_date date NOT NULL, "
        "status text NOT NULL, total_cents integer NOT NULL, created_at date NOT NULL)",
        "CREATE TABLE payments (id integer PRIMARY KEY, booking_id integer NOT NULL REFERENCES bookings(id) "
        "ON DELETE CASCADE, "
        "amount_cents integer NOT NULL, method text NOT NULL, status text NOT NULL, paid_at date NOT NULL)",
    ],
    "mysql": [
        "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(120) NOT NULL, email VARCHAR(190) NOT NULL UNIQUE, "
        "phone VARCHAR(40), city VARCHAR(60), created_at DATE NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE vehicles (id INT PRIMARY KEY, plate VARCHAR(20) NOT NULL UNIQUE, make VARCHAR(40) NOT NULL, "
        "model VARCHAR(40) NOT NULL, year INT, daily_rate_cents INT NOT NULL, status VARCHAR(20) NOT NULL) "
        "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE bookings (id INT PRIMARY KEY, customer_id INT NOT NULL, vehicle_id INT NOT NULL, "
        "start_date DATE NOT NULL, end_date DATE NOT NULL, status VARCHAR(20) NOT NULL, total_cents INT NOT NULL, "
        "created_at DATE NOT NULL, FOREIGN KEY (customer_id) REFERENCES customers(id), "
        "FOREIGN KEY (vehicle_id) REFERENCES vehicles(id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE payments (id INT PRIMARY KEY, booking_id INT NOT NULL, amount_cents INT NOT NULL, "
        "method VARCHAR(20) NOT NULL, status VARCHAR(20) NOT NULL, paid_at DATE NOT NULL, "
        "FOREIGN KEY (booking_id) REFERENCES bookings(id) ON DELETE CASCADE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    ],
    "sqlite": [
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, "
        "phone TEXT, city TEXT, created_at TEXT NOT NULL)",
        "CREATE TABLE vehicles (id INTEGER PRIMARY KEY, plate TEXT NOT NULL UNIQUE, make TEXT NOT NULL, "
        "model TEXT NOT NULL, year INTEGER, daily_rate_cents INTEGER NOT NULL, status TEXT NOT NULL)",
        "CREATE TABLE bookings (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), "
        "vehicle_id INTEGER NOT NULL REFERENCES vehicles(id), start_date TEXT NOT NULL, end_date TEXT NOT NULL, "
        "status TEXT NOT NULL, total_cents INTEGER NOT NULL, created_at TEXT NOT NULL)",
        "CREATE TABLE payments (id INTEGER PRIMARY KEY, booking_id INTEGER NOT NULL REFERENCES bookings(id) "
        "ON DELETE CASCADE, "
        "amount_cents INTEGER NOT NULL, method TEXT NOT NULL, status TEXT NOT NULL, paid_at TEXT NOT NULL)",
    ],
}
_INDEXES = ["CREATE INDEX bookings_customer ON bookings (customer_id)",
            "CREATE INDEX bookings_vehicle ON bookings (vehicle_id, start_date)",
            "CREATE INDEX payments_booking ON payments (booking_id)"]
_VIEWS = ["CREATE VIEW active_bookings AS SELECT id, customer_id, vehicle_id, start_date, end_date FROM bookings "
          "WHERE status IN ('confirmed', 'active')",
          "CREATE VIEW revenue_by_vehicle AS SELECT vehicle_id, SUM(total_cents) AS revenue_cents, COUNT(*) AS n "
          "FROM bookings WHERE status <> 'cancelled' GROUP BY vehicle_id",
          "CREATE VIEW customer_bookings AS SELECT c.id AS customer_id, c.name, b.id AS booking_id, b.start_date "
          "FROM customers c JOIN bookings b ON b.customer_id = c.id"]

COLUMNS = {
    "customers": ("id", "name", "email", "phone", "city", "created_at"),
    "vehicles": ("id", "plate", "make", "model", "year", "daily_rate_cents", "status"),
    "bookings": ("id", "customer_id", "vehicle_id", "start_date", "end_date", "status", "total_cents", "created_at"),
    "payments": ("id", "booking_id", "amount_cents", "method", "status", "paid_at"),
}


def sizes(rows: int) -> dict:
    """Rows per table for about ``rows`` in total."""
    n_v = max(10, rows // 100)
    n_c = max(20, rows // 10)
    n_b = max(30, (rows - n_v - n_c) // 2 + (rows - n_v - n_c) % 2)
    n_p = max(0, rows - n_v - n_c - n_b)
    return {"customers": n_c, "vehicles": n_v, "bookings": n_b, "payments": n_p}


def generate(rows: int = 100_000, seed: int = 7) -> dict:
    """table → list of row tuples (customers, vehicles, bookings, payments: in FK order)."""
    rnd = random.Random(seed)
    n = sizes(rows)
    base = _dt.date(2023, 1, 1)
    customers = []
    for i in range(1, n["customers"] + 1):
        first, last = rnd.choice(_FIRST), rnd.choice(_LAST)
        customers.append((i, f"{first} {last}", f"{first.lower()}.{i}@example.com",
                          f"+351 9{rnd.randrange(10**7, 10**8)}", rnd.choice(_CITIES),
                          (base + _dt.timedelta(days=rnd.randrange(700))).isoformat()))
    vehicles = []
    for i in range(1, n["vehicles"] + 1):
        make, model, rate = rnd.choice(_CARS)
        vehicles.append((i, f"{rnd.randrange(10, 99)}-{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}-{i % 100:02d}"
                         f"{i // 100}", make, model, rnd.randrange(2016, 2025), rate + rnd.randrange(-300, 300),
                         rnd.choice(("available", "available", "available", "rented", "maintenance"))))
    bookings, payments = [], []
    for i in range(1, n["bookings"] + 1):
        start = base + _dt.timedelta(days=rnd.randrange(900))
        days = rnd.randrange(1, 15)
        veh = rnd.randrange(1, n["vehicles"] + 1)
        status = rnd.choices(("completed", "confirmed", "active", "cancelled"), (70, 15, 5, 10))[0]
        total = days * vehicles[veh - 1][5]
        bookings.append((i, rnd.randrange(1, n["customers"] + 1), veh, start.isoformat(),
                         (start + _dt.timedelta(days=days)).isoformat(), status, total,
                         (start - _dt.timedelta(days=rnd.randrange(1, 60))).isoformat()))
    pid = 0
    for i in range(n["payments"]):
        b = bookings[i % len(bookings)]
        pid += 1
        payments.append((pid, b[0], b[6] if i < len(bookings) else rnd.randrange(1000, 20000),
                         rnd.choice(("card", "card", "card", "paypal", "bank_transfer")),
                         "refunded" if b[5] == "cancelled" else "captured", b[7]))
    return {"customers": customers, "vehicles": vehicles, "bookings": bookings, "payments": payments}


def schema(dialect: str) -> list[str]:
    return _DDL[dialect] + _INDEXES + _VIEWS


def load(dialect: str, con, rows: int = 100_000, seed: int = 7) -> dict:
    """Create and fill the schema on an open DB-API connection (psycopg, pymysql or sqlite3).

    Returns rows per table."""
    data = generate(rows, seed)
    cur = con.cursor()
    for stmt in schema(dialect):
        cur.execute(stmt)
    for table in TABLES:
        cols = COLUMNS[table]
        if dialect == "postgres":
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for row in data[table]:
                    cp.write_row(row)
        else:
            ph = ", ".join(["%s" if dialect == "mysql" else "?"] * len(cols))
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({ph})"
            rows_ = data[table]
            for i in range(0, len(rows_), 5000):
                cur.executemany(sql, rows_[i:i + 5000])
    if dialect == "postgres":
        cur.execute("ANALYZE")
    con.commit()
    return {t: len(data[t]) for t in TABLES}


def checksums(con, tables=TABLES) -> dict:
    """table → (rows, sha256 of every row in id order); None for a missing table."""
    out = {}
    for t in tables:
        cur = con.cursor()
        try:
            cur.execute(f"SELECT * FROM {t} ORDER BY id")
        except Exception:
            try:
                con.rollback()
            except Exception:
                pass
            out[t] = None
            continue
        h = hashlib.sha256()
        n = 0
        for row in cur.fetchall():
            h.update(repr(tuple(str(x) for x in row)).encode())
            n += 1
        out[t] = (n, h.hexdigest())
    try:
        con.rollback()
    except Exception:
        pass
    return out
