"""Team mode: one approval queue, one set of approvers and one audit chain on a real PostgreSQL
(started by the tests), shared by two "machines" — two hook processes with different
``INTERLOCK_HOME``s and the same ``INTERLOCK_STORE`` — and one dashboard."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time

import pytest

from conftest import interlock_exe, run_hook
from helpers import (ID, SECRET_A, SECRET_B, add_approver, claude, cli, codex, decision, reason, waiting_hook,
                     write_policy)
from servers import PostgresServer, free_port

pytest.importorskip("psycopg")

PG_PASSWORD = "pg-team-store-pw-5161"


@pytest.fixture(scope="module")
def pg():
    s = PostgresServer(PG_PASSWORD).start()
    yield s
    s.stop()


_N = iter(range(10_000))


@pytest.fixture
def machines(pg, env, tmp_path):
    """(A, B): two machines' environments on a fresh shared database.  The store URL carries no
    password: each machine keeps it in ``$INTERLOCK_HOME/pgpass`` (0600), out of the agent's reach."""
    db = f"team{next(_N)}_{os.getpid()}"
    pg.create_db(db)
    url = pg.url(db, password=False)
    out = []
    for name in ("a", "b"):
        home = tmp_path / f"state-{name}"
        home.mkdir(mode=0o700)
        pgpass = home / "pgpass"
        pgpass.write_text(f"127.0.0.1:{pg.port}:{db}:postgres:{PG_PASSWORD}\n")
        pgpass.chmod(0o600)
        out.append(dict(env, INTERLOCK_HOME=str(home), INTERLOCK_STORE=url, PGCONNECT_TIMEOUT="3"))
    yield out[0], out[1], db


def claude_bypass(cmd, workspace):
    return claude(cmd, workspace, mode="bypassPermissions", session="sess-a")


def file_on(machine, cmd, workspace):
    """The agent on ``machine`` (Claude Code in bypassPermissions: out-of-band) tries ``cmd``."""
    code, out, err = run_hook("claude-code", claude_bypass(cmd, workspace), machine)
    assert code == 0 and decision(out) == "deny", (out, err)
    ids = ID.findall(reason(out))
    assert ids, reason(out)
    return ids[0]


def shared_events(env):
    from interlock.approvals.cli import approval_event
    from interlock.audit import open_log

    recs = open_log(env["INTERLOCK_HOME"], env).records(limit=10_000)
    return [approval_event(r) for r in recs if approval_event(r)]


# --- the flow across machines ----------------------------------------------------------------------------

def test_filed_on_machine_a_approved_on_machine_b_allowed_once_on_a(machines, workspace, tmp_path):
    a, b, _ = machines
    rid = file_on(a, "rm -rf src", workspace)
    text = reason(run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)[1])
    assert rid in text  # the identical retry names the same request

    listed = json.loads(cli(["approvals", "--json"], b).stdout)  # machine B sees A's request
    assert [(r["id"], r["cwd"], r["action"]) for r in listed] == [(rid, workspace, "rm -rf src")]

    add_approver("alice", SECRET_A, b)  # approvers are shared: created once, on B
    assert "alice" in cli(["approvers", "list"], a).stdout  # ... and known on A
    for home in (a, b):
        assert not os.path.exists(os.path.join(home["INTERLOCK_HOME"], "approvers.json"))

    p = cli(["approve", rid, "--as", "alice"], b, fd_secret=SECRET_A)
    assert p.returncode == 0 and f"approved {rid} by alice (once)" in p.stdout, p.stderr

    code, out, _ = run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)
    assert (code, decision(out)) == (0, "allow")  # Claude Code: no output is allow
    code, out, _ = run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)
    assert decision(out) == "deny" and ID.findall(reason(out))[0] != rid  # used up: a new request
    # nor does the approval travel to B's agent: it was consumed (and B's agent had its own hash anyway)
    assert decision(run_hook("claude-code", claude_bypass("rm -rf src", workspace), b)[1]) == "deny"

    events = [e["event"] for e in shared_events(a) if e.get("id") == rid]
    assert events == ["create", "approve", "consume"]
    log = cli(["log", "--limit", "100"], b).stdout
    assert f"approval {rid}: approve by alice via cli:fd (once)" in log
    assert f"approval {rid}: consume via hook" in log


def test_single_use_approval_is_redeemed_by_exactly_one_of_many_racing_machines(machines, workspace, tmp_path):
    a, b, _ = machines
    rid = file_on(a, "rm -rf src", workspace)
    add_approver("alice", SECRET_A, a)
    assert cli(["approve", rid], b, fd_secret=SECRET_A).returncode == 0

    from interlock.approvals.store import open_store

    digest = open_store(a).get(rid).digest
    got, start = [], threading.Barrier(8)

    def racer(i):
        store = open_store(a if i % 2 else b)
        start.wait()
        got.append(store.redeem(digest, "claude-code", "sess-a"))

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in got) == 1
    assert open_store(b).get(rid).state == "consumed" and open_store(b).get(rid).uses == 1


def test_two_person_rule_across_machines(machines, workspace, tmp_path):
    a, b, _ = machines
    write_policy(a, "[[approvals.require]]\nseverity = \"destructive\"\napprovers = 2\n")
    rid = file_on(a, "rm -rf src", workspace)
    add_approver("alice", SECRET_A, a)
    add_approver("bob", SECRET_B, b, by=("alice", SECRET_A))

    p = cli(["approve", rid, "--as", "alice"], a, fd_secret=SECRET_A)
    assert p.returncode == 0 and "1 more distinct approver" in p.stdout, p.stderr
    assert decision(run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)[1]) == "deny"
    p = cli(["approve", rid, "--as", "alice"], b, fd_secret=SECRET_A)  # alice again, from the other machine
    assert p.returncode == 1 and "already approved" in p.stderr
    p = cli(["approve", rid, "--as", "bob"], b, fd_secret=SECRET_A)  # bob's name with alice's secret
    assert p.returncode == 1 and "wrong secret" in p.stderr
    assert decision(run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)[1]) == "deny"
    p = cli(["approve", rid, "--as", "bob"], b, fd_secret=SECRET_B)
    assert p.returncode == 0 and "by alice, bob" in p.stdout, p.stderr
    assert decision(run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)[1]) == "allow"


def test_votes_cast_at_the_same_moment_from_two_machines_both_count(machines, workspace, tmp_path):
    """Two approvers voting at once must not each see one vote and leave the request pending."""
    a, b, _ = machines
    write_policy(a, "[[approvals.require]]\nseverity = \"destructive\"\napprovers = 2\n")
    from interlock.approvals import approvers
    from interlock.approvals.store import open_store

    if "alice" not in approvers.names(a):
        add_approver("alice", SECRET_A, a)
    if "bob" not in approvers.names(a):
        add_approver("bob", SECRET_B, a, by=("alice", SECRET_A))
    for cmd in ("rm -rf src", "rm -rf src/lib", "rm -rf README.md"):
        rid = file_on(a, cmd, workspace)
        start = threading.Barrier(2)

        def vote(env, who):
            from interlock.approvals import approvers

            store = open_store(env)
            proof = approvers.authenticate(who, {"alice": SECRET_A, "bob": SECRET_B}[who], env)
            start.wait()
            store.approve(rid, who, "test", proof=proof)

        ts = [threading.Thread(target=vote, args=(a, "alice")), threading.Thread(target=vote, args=(b, "bob"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        req = open_store(a).get(rid)
        assert req.state == "approved" and sorted(req.approvers) == ["alice", "bob"]


def test_a_hook_waiting_on_machine_a_is_woken_by_an_approval_on_machine_b(machines, workspace, tmp_path):
    a, b, _ = machines
    write_policy(a, "[approvals]\nwait_seconds = 20\n")
    add_approver("alice", SECRET_A, b)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(codex("rm -rf src", workspace)))
    hook, rid = waiting_hook(payload, a, b)
    assert rid and hook.poll() is None
    t = time.monotonic()
    assert cli(["approve", rid], b, fd_secret=SECRET_A).returncode == 0
    out, err = hook.communicate(timeout=30)
    assert hook.returncode == 0 and out.strip() == b"", (out, err)  # allowed
    assert time.monotonic() - t < 5  # NOTIFY (or the 1 s re-check), not the 20 s timeout


def test_a_kept_connection_the_server_dropped_is_replaced(pg, machines, workspace):
    """The hook daemon keeps its connection: a database restart must not fail the next call."""
    a, _, db = machines
    rid = file_on(a, "rm -rf src", workspace)
    from interlock.approvals.store import open_store

    store = open_store(a)
    assert [r.id for r in store.pending()] == [rid]
    with pg.connect(db, autocommit=True) as con:
        killed = con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE application_name = 'interlock' AND pid <> pg_backend_pid()").fetchall()
    assert killed
    assert [r.id for r in store.pending()] == [rid]


# --- one dashboard for every machine --------------------------------------------------------------------

def test_one_dashboard_lists_and_decides_requests_from_both_machines(machines, workspace, tmp_path):
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    from test_dashboard import Client

    a, b, _ = machines
    rid_a = file_on(a, "rm -rf src", workspace)
    code, out, _ = run_hook("codex", codex("rm -rf README.md", workspace), b)
    rid_b = ID.findall(reason(out))[0]
    add_approver("alice", SECRET_A, a)

    c = tmp_path / "state-c"  # the dashboard runs on a third machine
    c.mkdir(mode=0o700)
    (c / "pgpass").write_text((tmp_path / "state-a" / "pgpass").read_text())
    (c / "pgpass").chmod(0o600)
    dash_env = dict(a, INTERLOCK_HOME=str(c))
    p = subprocess.Popen(interlock_exe() + ["serve", "--port", "0"], env=dash_env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        m = re.search(r"http://127\.0\.0\.1:\d+/", p.stdout.readline())
        assert m, p.stderr.read()
        url = m.group(0).rstrip("/")
        client = Client(url)
        for _ in range(100):
            try:
                status, body, headers = client.login("alice", SECRET_A)  # shared approvers: alice exists here
                break
            except OSError:
                time.sleep(0.05)
        assert status == 303, body
        csrf = client.csrf("/")
        status, body, _ = client.call("GET", "/api/pending", headers={"Accept": "application/json"})
        assert status == 200, body
        assert {rid_a, rid_b} <= set(re.findall(r"apr-[2-9a-z]{6}", body))
        status, body, _ = client.call("POST", f"/api/approvals/{rid_b}/approve", json_body={"scope": "once"},
                                      headers={"X-CSRF-Token": csrf, "Origin": url})
        assert status == 200, body
    finally:
        p.terminate()
        p.wait(timeout=10)
    from interlock.approvals.store import open_store
    from interlock.approvals.web import audit_trail

    trail = audit_trail(str(c), open_store(dash_env).get(rid_b), dash_env)  # the request page's trail
    assert [(t["event"], t["approver"], t["channel"]) for t in trail if t["event"] in ("create", "approve")] == \
        [("create", None, "out-of-band"), ("approve", "alice", "web")]
    assert run_hook("codex", codex("rm -rf README.md", workspace), b)[1] is None  # B's agent: allowed once
    assert decision(run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)[1]) == "deny"  # A: pending


# --- one audit chain -------------------------------------------------------------------------------------

def test_shared_audit_chain_verifies_on_every_machine_and_tampering_is_detected(pg, machines, workspace, tmp_path):
    a, b, db = machines
    rid = file_on(a, "rm -rf src", workspace)
    add_approver("alice", SECRET_A, b)
    assert cli(["approve", rid], b, fd_secret=SECRET_A).returncode == 0
    assert run_hook("claude-code", claude_bypass("rm -rf src", workspace), a)[1] is None
    assert run_hook("codex", codex("ls -la", workspace), b)[1] is None  # allowed decisions are logged too

    for m in (a, b):
        p = cli(["log", "--verify"], m)
        assert p.returncode == 0 and "chain intact" in p.stdout, p.stdout
        assert PG_PASSWORD not in p.stdout + p.stderr
    n = int(re.search(r"OK: (\d+) records", cli(["log", "--verify"], a).stdout).group(1))
    agents = {r["agent"] for r in json.loads("[" + ",".join(cli(["log", "--json", "--limit", "100"], a).stdout
                                                             .splitlines()) + "]")}
    assert {"claude-code", "codex", "human"} <= agents  # both machines' hooks and the approver, one chain
    assert not os.path.exists(os.path.join(a["INTERLOCK_HOME"], "audit.db"))  # nothing went to a local log

    import psycopg

    with pg.connect(db, autocommit=True) as con:
        for sql in ("UPDATE interlock.audit_records SET decision = 'allow' WHERE seq = 1",
                    "DELETE FROM interlock.audit_records WHERE seq = 2",
                    "TRUNCATE interlock.audit_records"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                con.execute(sql)
        # a superuser can switch the trigger off: the chain still tells
        con.execute("ALTER TABLE interlock.audit_records DISABLE TRIGGER USER")
        con.execute("UPDATE interlock.audit_records SET decision = 'allow' WHERE seq = 2")
        con.execute("ALTER TABLE interlock.audit_records ENABLE TRIGGER USER")
    p = cli(["log", "--verify"], b)
    assert p.returncode == 1 and "record 2: content was edited" in p.stdout, p.stdout

    # a consistent rewrite of the newest records (re-hashed) is caught by the machines' own heads
    from interlock.audit import GENESIS, record_hash

    with pg.connect(db, autocommit=True) as con:
        con.execute("ALTER TABLE interlock.audit_records DISABLE TRIGGER USER")
        cols = [c.name for c in con.execute("SELECT * FROM interlock.audit_records LIMIT 0").description]
        rows = [dict(zip(cols, r)) for r in con.execute("SELECT * FROM interlock.audit_records ORDER BY seq")]
        con.execute("DELETE FROM interlock.audit_records WHERE seq >= %s", (n - 1,))
        prev = GENESIS
        for r in rows[:n - 2]:  # re-chain what is left, as a forger would
            r["prev_hash"] = prev
            r["hash"] = record_hash(r)
            prev = r["hash"]
            con.execute("UPDATE interlock.audit_records SET prev_hash = %s, hash = %s, decision = %s WHERE seq = %s",
                        (r["prev_hash"], r["hash"], r["decision"], r["seq"]))
        con.execute("ALTER TABLE interlock.audit_records ENABLE TRIGGER USER")
    from interlock.audit import check_chain

    assert check_chain(rows[:n - 2])[0]  # the forged chain is internally consistent ...
    p = cli(["log", "--verify"], b)
    # ... but the re-hashed records no longer match their MACs (and B wrote more: its head tells too)
    assert p.returncode == 1 and "its MAC does not match" in p.stdout, p.stdout


def test_concurrent_appends_from_many_processes_keep_one_chain(machines):
    a, b, _ = machines
    code = ("import sys; from interlock.audit import open_log; from interlock.actions import Decision\n"
            "log = open_log(sys.argv[1])\n"
            "for i in range(15): log.append(action=f'echo {i}', decision=Decision('allow', 'read', [], ['ok']))\n")
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", code, m["INTERLOCK_HOME"]], env=m)
             for m in (a, b, a, b, a, b)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    p = cli(["log", "--verify"], a)
    assert p.returncode == 0 and "OK: 90 records" in p.stdout, p.stdout


# --- failing closed ---------------------------------------------------------------------------------------

def test_store_down_fails_closed_and_never_shows_the_password(pg, machines, workspace, tmp_path):
    a, _, db = machines
    down = dict(a, INTERLOCK_STORE=f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:{free_port()}/{db}")
    t = time.monotonic()
    code, out, err = run_hook("claude-code", claude_bypass("rm -rf src", workspace), down)
    assert decision(out) == "ask" and "approval request not filed" in reason(out), out  # its own dialog, as on SQLite
    assert "shared store postgresql://postgres:[REDACTED]@127.0.0.1" in reason(out)
    code, out2, err2 = run_hook("claude-code", claude("rm -rf src", workspace, session="sess-a"), down)
    assert decision(out2) == "ask" and "approval request not filed" in reason(out2)
    code, out3, err3 = run_hook("codex", codex("rm -rf src", workspace), down)
    assert out3["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert time.monotonic() - t < 30
    # a harmless command still runs; its record is kept on this machine, saying the shared log failed
    code, out4, err4 = run_hook("codex", codex("ls", workspace), down)
    assert out4 is None
    from interlock.audit import AuditLog

    local = AuditLog(a["INTERLOCK_HOME"]).records(limit=10)
    assert local and all("shared_log_error" in (r["extra"] or "") for r in local)
    for p in (cli(["approvals"], down), cli(["approve", "apr-2345ab"], down, fd_secret=SECRET_A),
              cli(["log", "--verify"], down)):
        assert p.returncode == 1 and "Traceback" not in p.stderr, (p.stdout, p.stderr)
        assert "postgresql://postgres:[REDACTED]@" in p.stdout + p.stderr
    everything = json.dumps([out, out2, out3]) + err + err2 + err3 + err4
    for d in os.listdir(a["INTERLOCK_HOME"]):
        if d.startswith("audit") and os.path.isfile(os.path.join(a["INTERLOCK_HOME"], d)):
            everything += open(os.path.join(a["INTERLOCK_HOME"], d), "rb").read().decode("latin-1")
    assert PG_PASSWORD not in everything

    # a wrong password is refused as clearly
    bad = dict(a, INTERLOCK_STORE=f"postgresql://postgres:wrong-pw-123@127.0.0.1:{pg.port}/{db}",
               INTERLOCK_HOME=str(tmp_path / "state-nopass"))
    code, out, _ = run_hook("claude-code", claude_bypass("rm -rf src", workspace), bad)
    assert decision(out) == "ask" and "password authentication failed" in reason(out)
    assert "wrong-pw-123" not in json.dumps(out)


def test_the_agent_cannot_read_the_store_password_or_run_approve(machines, workspace, tmp_path):
    a, _, _ = machines
    rid = file_on(a, "rm -rf src", workspace)
    pgpass = os.path.join(a["INTERLOCK_HOME"], "pgpass")
    for cmd in (f"cat {pgpass}", "cat $INTERLOCK_HOME/pgpass", f"cp {pgpass} /tmp/x",
                f"interlock approve {rid} --as alice", f"interlock approvers add mallory"):
        code, out, _ = run_hook("claude-code", claude_bypass(cmd, workspace), a)
        assert decision(out) == "deny" and "interlock." in reason(out), cmd
    code, out, _ = run_hook("claude-code", {"hook_event_name": "PreToolUse", "tool_name": "Read", "cwd": workspace,
                                            "tool_input": {"file_path": pgpass}}, a)
    assert decision(out) == "deny" and "interlock.approvals-store" in reason(out)


def test_the_default_hook_never_imports_psycopg(env, workspace):
    """SQLite (no INTERLOCK_STORE) keeps the hook's import path lean, on allow and on ask."""
    import sys

    code = ("import io, sys\n"
            "from interlock.adapters import run_hook\n"
            "for cmd in ('ls', 'rm -rf src'):\n"
            "    payload = ('{\"hook_event_name\": \"PreToolUse\", \"tool_name\": \"Bash\", \"cwd\": \"%s\", '\n"
            "               '\"tool_input\": {\"command\": \"' + cmd + '\"}}')\n"
            "    run_hook('codex', io.BytesIO(payload.encode()), io.StringIO())\n"
            "print(sorted(m for m in sys.modules if m.startswith(('psycopg', 'interlock.approvals.store_pg'))))\n"
            % workspace)
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]", (p.stdout, p.stderr)


def test_the_shared_chain_carries_each_machines_mac_and_a_forger_without_the_keys_is_caught(pg, machines, workspace):
    """Like the local log: every record is MAC'd under a key only the machine that wrote it holds
    (``audit-shared.key``).  Someone with the database but not the machines' keys cannot append a
    record in a machine's name, strip the MACs, or rewrite and re-hash history — even with the
    machines' head files brought in line."""
    import hmac as _hmac

    import psycopg

    from interlock.actions import sha256_hex
    from interlock.audit import GENESIS, record_hash

    a, b, db = machines
    file_on(a, "rm -rf src", workspace)
    assert run_hook("codex", codex("ls -la", workspace), b)[1] is None
    assert run_hook("claude-code", claude_bypass("ls -la", workspace), a)[1] is None
    for m in (a, b):
        p = cli(["log", "--verify"], m)
        assert p.returncode == 0 and "chain intact" in p.stdout, p.stdout
    kid = {}
    for name, m in (("a", a), ("b", b)):
        path = os.path.join(m["INTERLOCK_HOME"], "audit-shared.key")
        assert os.stat(path).st_mode & 0o777 == 0o600
        kid[name] = sha256_hex(bytes.fromhex(json.load(open(path))["key"]))[:16]
    assert kid["a"] != kid["b"]

    def rows():
        with pg.connect(db, autocommit=True) as con:
            cols = [c.name for c in con.execute("SELECT * FROM interlock.audit_records LIMIT 0").description]
            return [dict(zip(cols, r)) for r in con.execute("SELECT * FROM interlock.audit_records ORDER BY seq")]

    recs = rows()
    assert all(r["mac"] and len(r["mac"]) == 64 for r in recs)
    # a head kept off the machine: still matched, or not
    head = recs[-1]
    assert cli(["log", "--verify", "--anchor", f"{head['seq']}:{head['hash']}"], a).returncode == 0
    p = cli(["log", "--verify", "--anchor", f"{head['seq']}:{'0' * 64}"], a)
    assert p.returncode == 1 and "does not match the anchored head" in p.stdout, p.stdout
    assert {r["mac_key"] for r in recs} == {kid["a"], kid["b"]}
    assert any(r["mac_key"] == kid["b"] and r["agent"] == "codex" for r in recs)

    def append_forged(mac, mac_key):
        last = rows()[-1]
        r = dict(last, seq=last["seq"] + 1, action="ls", decision="allow", prev_hash=last["hash"])
        r["hash"] = record_hash(r)
        r["mac"], r["mac_key"] = mac, mac_key
        with pg.connect(db, autocommit=True) as con:
            con.execute(f"INSERT INTO interlock.audit_records ({','.join(r)}) VALUES ({','.join(['%s'] * len(r))})",
                        list(r.values()))
        return r["seq"]

    def drop(seq):
        with pg.connect(db, autocommit=True) as con:
            con.execute("ALTER TABLE interlock.audit_records DISABLE TRIGGER USER")
            con.execute("DELETE FROM interlock.audit_records WHERE seq = %s", (seq,))
            con.execute("ALTER TABLE interlock.audit_records ENABLE TRIGGER USER")

    # an appended record with no MAC, or in machine A's name with a MAC made without A's key
    for mac, mac_key, why in ((None, None, "carries no MAC"), ("0" * 64, kid["a"], "its MAC does not match")):
        seq = append_forged(mac, mac_key)
        p = cli(["log", "--verify"], a)
        assert p.returncode == 1 and f"record {seq}: {why}" in p.stdout, p.stdout
        drop(seq)
    assert cli(["log", "--verify"], a).returncode == 0

    # history rewritten and re-hashed (and re-MAC'd with a key the forger made), the heads edited to match
    recs = rows()
    fake_key = os.urandom(32)
    prev = GENESIS
    with pg.connect(db, autocommit=True) as con:
        con.execute("ALTER TABLE interlock.audit_records DISABLE TRIGGER USER")
        for r in recs:
            if r["seq"] == 1:
                r["decision"], r["action"] = "allow", "(rewritten)"
            r["prev_hash"] = prev
            r["hash"] = record_hash(r)
            r["mac"] = _hmac.new(fake_key, b"interlock-audit\0" + r["hash"].encode(), "sha256").hexdigest()
            prev = r["hash"]
            con.execute("UPDATE interlock.audit_records SET decision = %s, action = %s, prev_hash = %s, hash = %s, "
                        "mac = %s WHERE seq = %s", (r["decision"], r["action"], r["prev_hash"], r["hash"], r["mac"],
                                                   r["seq"]))
        con.execute("ALTER TABLE interlock.audit_records ENABLE TRIGGER USER")
    for m, k in ((a, kid["a"]), (b, kid["b"])):
        last = [r for r in recs if r["mac_key"] == k][-1]
        with open(os.path.join(m["INTERLOCK_HOME"], "audit-shared.head"), "w") as f:
            f.write(f"{last['seq']:020d} {last['hash']}\n")
    for m in (a, b):
        p = cli(["log", "--verify"], m)
        assert p.returncode == 1 and "its MAC does not match" in p.stdout, p.stdout
