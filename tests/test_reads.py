"""What the analysis reads from disk: never a stale answer from a memo, never held up by a FIFO."""

import os
import time

import pytest

from interlock import memo
from interlock.engine import check_command

OLD = time.time() - 3600  # an old mtime (a file edited, then put back to its old mtime)


def _age(path, when=OLD):
    os.utime(path, (when, when))


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled at once (the ctime a utime sets is now).  Rewrites below sleep past
    the file system's timestamp granularity first, as the settle window does in real use."""
    monkeypatch.setattr(memo, "SETTLE_NS", 0)
    memo.clear_all()
    yield
    memo.clear_all()


def _rewrite(path, text):
    time.sleep(0.05)
    with open(path, "w") as f:
        f.write(text)


def test_file_memo_reuses_only_while_the_stat_is_unchanged(tmp_path, settled):
    f = tmp_path / "x.sh"
    f.write_text("echo one\n")
    _age(f)
    calls = []

    def compute(p):
        calls.append(p)
        return open(p).read()

    m = memo.FileMemo(8)
    assert m.get(str(f), os.stat(f), compute) == "echo one\n"
    assert m.get(str(f), os.stat(f), compute) == "echo one\n"
    assert len(calls) == 1  # a settled, unchanged file is read once

    # same size, and the mtime put back: the ctime still moves, so the change is seen
    _rewrite(f, "echo two\n")
    _age(f)
    assert m.get(str(f), os.stat(f), compute) == "echo two\n"
    assert len(calls) == 2


def test_file_memo_does_not_keep_what_was_read_from_a_file_still_being_written(tmp_path):
    assert memo.SETTLE_NS >= 1_000_000_000
    f = tmp_path / "fresh.sh"
    f.write_text("echo now\n")  # mtime and ctime: now (within the settle window)
    calls = []
    m = memo.FileMemo(8)
    for _ in range(3):
        assert m.get(str(f), os.stat(f), lambda p: calls.append(p) or "x") == "x"
    assert len(calls) == 3


def test_file_memo_tells_files_apart_by_identity(tmp_path, settled):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("AAAA")
    b.write_text("BBBB")
    _age(a)
    _age(b)
    m = memo.FileMemo(8)
    read = lambda p: open(p).read()  # noqa: E731
    assert m.get(str(a), os.stat(a), read) == "AAAA"
    os.replace(b, a)  # another file (inode) now at the same path, same size and mtime
    assert m.get(str(a), os.stat(a), read) == "BBBB"


def test_clear_all_empties_every_table():
    t = memo.table()
    memo.remember(t, "k", 1, 4)
    fm = memo.FileMemo(4)
    fm._memo["p"] = (("sig",), 1)
    memo.clear_all()
    assert t == {} and fm._memo == {}


def test_remember_is_bounded():
    t = {}
    for i in range(10):
        memo.remember(t, i, i, 4)
    assert len(t) <= 4 and t[9] == 9


def test_a_script_rewritten_between_two_checks_is_judged_on_its_new_text(workspace, home, settled):
    """The hook daemon keeps what it read from a script; an agent that edits the script (same
    size, same mtime) and runs it again must be judged on what it runs now."""
    script = os.path.join(workspace, "scripts", "job.sh")
    benign = "#!/bin/sh\necho cleaning up now\n"
    harmful = "#!/bin/sh\nrm -rf ~/Documents\n"
    harmful = harmful[:-1] + " " * (len(benign) - len(harmful)) + "\n"
    assert len(harmful) == len(benign)
    with open(script, "w") as f:
        f.write(benign)
    _age(script)
    first = check_command("bash scripts/job.sh", cwd=workspace, home=home, workspace=workspace)
    assert first.decision == "allow"
    _rewrite(script, harmful)
    _age(script)
    second = check_command("bash scripts/job.sh", cwd=workspace, home=home, workspace=workspace)
    assert second.decision == "deny", second.reasons
    assert any("job.sh:2" in r for r in second.reasons)


def test_a_file_whose_token_appears_later_is_caught(workspace, home, settled):
    """`cat notes.txt` once clean, then a token written into it (same size): caught."""
    notes = os.path.join(workspace, "notes.txt")
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    clean = "x" * (len(token) + 8) + "\n"
    with open(notes, "w") as f:
        f.write(clean)
    _age(notes)
    assert check_command("cat notes.txt", cwd=workspace, home=home, workspace=workspace).decision == "allow"
    tokened = "token: " + token + " \n"
    assert len(tokened) == len(clean)
    _rewrite(notes, tokened)
    _age(notes)
    d = check_command("cat notes.txt", cwd=workspace, home=home, workspace=workspace)
    assert d.decision in ("ask", "deny") and "secrets.file-token" in d.rules
    assert token not in " ".join(d.reasons)


def test_a_fifo_run_as_a_script_is_opaque_and_never_opened(workspace, env):
    """Opening a FIFO blocks until something writes to it: the analysis must not wait on it, and
    what a pipe feeds a shell is only known when it runs."""
    import json

    from helpers import cli

    os.mkfifo(os.path.join(workspace, "job.sh"))
    for cmd in ("bash job.sh", "sh ./job.sh", "source job.sh", ". job.sh"):
        p = cli(["check", "--json", cmd], env, cwd=workspace)  # times out (and fails) if it blocks
        out = json.loads(p.stdout)
        assert p.returncode == 1 and out["decision"] == "ask", (cmd, p.stdout, p.stderr)
        assert out["rules"] == ["shell.opaque-stdin"]
    p = cli(["check", "--json", "cat job.sh"], env, cwd=workspace)  # reading a pipe runs nothing
    assert p.returncode == 0, p.stdout


def test_fifos_where_interlock_reads_config_never_hold_the_check(workspace, env):
    """`.env` (read for DATABASE_URL), `.git/HEAD` (the branch a push goes to) and the kubeconfig
    made FIFOs: each check answers promptly; the fact they read is simply not known."""
    import json

    from helpers import cli

    os.remove(os.path.join(workspace, ".env"))
    os.mkfifo(os.path.join(workspace, ".env"))
    os.remove(os.path.join(workspace, ".git", "HEAD"))
    os.mkfifo(os.path.join(workspace, ".git", "HEAD"))
    kube = os.path.join(env["HOME"], ".kube")
    os.makedirs(kube)
    os.mkfifo(os.path.join(kube, "config"))
    for cmd, want in (('psql "$DATABASE_URL" -c "DROP TABLE users"', (1, 2)),
                      ("git push --force origin main", (1, 2)),
                      ("kubectl delete namespace production", (1, 2)),
                      ("ls", (0,))):
        p = cli(["check", "--json", cmd], env, cwd=workspace)  # times out (and fails) if a read blocks
        assert p.returncode in want, (cmd, p.stdout, p.stderr)
        json.loads(p.stdout)


def test_a_policy_file_that_is_a_fifo_is_an_invalid_policy(workspace, env):
    import json

    from helpers import cli

    d = os.path.join(workspace, ".interlock")
    os.makedirs(d)
    os.mkfifo(os.path.join(d, "policy.toml"))
    p = cli(["check", "--json", "ls"], env, cwd=workspace)
    out = json.loads(p.stdout)
    assert p.returncode == 2 and out["decision"] == "deny", p.stdout
    assert "not a regular file" in " ".join(out["reasons"])
