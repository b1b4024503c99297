"""`interlock secrets scan` on a generated, realistic repository with planted tokens.

The tree has the incident's shape: a Railway token in a domain-management script nobody
remembers, next to ordinary source, tests, docs, CI config and lockfiles full of look-alikes.
The scan must find every planted token, report nothing else, and never print a token.
Tokens are generated at run time (seeded), so this file holds none.
"""

from __future__ import annotations

import json
import os
import random
import re
import string
import subprocess
import sys
import time

import pytest

from interlock import secrets_scan

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def _r(rng, n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def _uuid(rng):
    return f"{_r(rng, 8, HEX)}-{_r(rng, 4, HEX)}-4{_r(rng, 3, HEX)}-a{_r(rng, 3, HEX)}-{_r(rng, 12, HEX)}"


def planted_tokens(seed=7):
    rng = random.Random(seed)
    return {
        "railway": _uuid(rng),
        "stripe": "sk_" + "live_" + _r(rng, 24),
        "aws_id": "AKIA" + _r(rng, 16, string.ascii_uppercase + "234567"),
        "aws_secret": _r(rng, 40, ALNUM + "/+"),
        "github": "ghp_" + _r(rng, 36),
        "db_password": _r(rng, 10) + "#" + _r(rng, 5),
    }


# Ordinary content full of look-alikes: every one of these must stay silent.
PY_MODULE = '''"""Orders service."""
import hashlib
import os
import uuid

from .settings import DATABASE_URL

ORDER_NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
RELEASE_SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
IMAGE = "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"


def token_for(order_id: str, secret_key: bytes) -> str:
    """Sign an order id (the key comes from the environment, never from code)."""
    return hashlib.sha256(secret_key + order_id.encode()).hexdigest()


def connect(password=None):
    password = password or os.environ["DB_PASSWORD"]
    api_key = os.getenv("PAYMENTS_API_KEY")
    return DATABASE_URL, password, api_key
'''

TEST_MODULE = '''import base64

from app.orders import token_for

FIXTURE_PASSWORD = "changeme"
api_key = "<your-api-key>"
TOKEN = "${TOKEN}"


def test_token_is_stable():
    assert token_for("o-1", b"k") == token_for("o-1", b"k")


def test_payload_roundtrip():
    blob = base64.b64encode(b"the quick brown fox jumps over the lazy dog").decode()
    assert base64.b64decode(blob) == b"the quick brown fox jumps over the lazy dog"
    assert blob == "dGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw=="


def test_login(client):
    r = client.post("/login", data={"username": "alice", "password": "xxx"})
    assert r.headers["Authorization"] == "Bearer $TOKEN"
'''

README = '''# Shop

Set `RAILWAY_TOKEN` in your shell (never commit it). The API takes a bearer token:

    curl -H "Authorization: Bearer $API_TOKEN" https://api.shop.test/v1/orders

Example AWS credentials from the AWS docs: AKIAIOSFODNN7EXAMPLE /
wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.  Use `password=changeme` locally.
'''

WORKFLOW = '''name: deploy
on: [push]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: railway up --service web
        env:
          RAILWAY_TOKEN: ${{ secrets.RAILWAY_TOKEN }}
          STRIPE_SECRET_KEY: ${{ secrets.STRIPE_SECRET_KEY }}
      - run: docker login -u ci --password-stdin < /dev/null
'''

PACKAGE_JSON = '''{
  "name": "shop-web",
  "version": "1.4.0",
  "scripts": {"build": "vite build", "test": "vitest"},
  "dependencies": {"js-tokens": "^4.0.0", "secret-handshake": "^1.1.0"}
}
'''


def package_lock(rng, n=40):
    pkgs = {}
    for i in range(n):
        name = f"pkg-{i}-{_r(rng, 5, string.ascii_lowercase)}"
        digest = _r(rng, 86, ALNUM + "+/") + "=="
        pkgs[f"node_modules/{name}"] = {
            "version": f"{i % 7}.{i % 5}.{i % 3}",
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
            "integrity": f"sha512-{digest}",
        }
    return json.dumps({"name": "shop-web", "lockfileVersion": 3, "packages": pkgs}, indent=2) + "\n"


def make_repo(root, tokens, rng=None):
    """A realistic project tree with the planted tokens; returns {relative file: set of kinds} expected."""
    rng = rng or random.Random(11)
    files = {
        "src/app/__init__.py": "",
        "src/app/orders.py": PY_MODULE,
        "src/app/settings.py": 'DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://localhost/shop")\n',
        "tests/test_orders.py": TEST_MODULE,
        "docs/index.md": README,
        "README.md": README,
        ".github/workflows/deploy.yml": WORKFLOW,
        "package.json": PACKAGE_JSON,
        "package-lock.json": package_lock(rng),
        ".env.example": "STRIPE_SECRET_KEY=sk_live_your_key_here\nRAILWAY_TOKEN=<your-railway-token>\n",
        ".gitignore": ".env\n*.log\nbuild/\n",
        "build/report.log": "deploy ok: 3f786850e387550fdab836ed7e6dc881de23001b\n",
        # --- the planted ones -------------------------------------------------------------
        "scripts/domains.sh": (
            "#!/usr/bin/env bash\n"
            "# Add the custom domains to the Railway service (one-off, 2023).\n"
            "set -euo pipefail\n"
            f"RAILWAY_TOKEN={tokens['railway']}\n"
            "curl -s https://backboard.railway.app/graphql/v2 \\\n"
            '  -H "Authorization: Bearer $RAILWAY_TOKEN" \\\n'
            "  -H 'Content-Type: application/json' \\\n"
            "  -d '{\"query\": \"mutation { customDomainCreate(input: {domain: \\\"shop.example.com\\\"}) { id } }\"}'\n"
        ),
        ".env": f"DEBUG=1\nSTRIPE_SECRET_KEY={tokens['stripe']}\n",
        "config/settings.py": (
            "import os\n\n"
            "REGION = 'eu-west-1'\n"
            f'AWS_ACCESS_KEY_ID = "{tokens["aws_id"]}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{tokens["aws_secret"]}"\n'
            "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n"
        ),
        "tools/release.py": (
            "import subprocess\n\n"
            f"subprocess.run(['git', 'push', 'https://x-access-token:{tokens['github']}@github.com/acme/shop.git'])\n"
        ),
        "deploy/docker-compose.yml": (
            "services:\n  db:\n    image: postgres:16\n    environment:\n"
            f"      POSTGRES_PASSWORD: {tokens['db_password']}\n"
        ),
    }
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    os.makedirs(os.path.join(root, "node_modules", "left-pad"), exist_ok=True)
    with open(os.path.join(root, "node_modules", "left-pad", "index.js"), "w") as f:
        f.write(f"// vendored\nconst token = '{tokens['github']}';\n")
    with open(os.path.join(root, "assets.bin"), "wb") as f:
        f.write(b"\x00\x01" + tokens["stripe"].encode() + b"\x00")
    return {
        "scripts/domains.sh": {"railway-token"},
        ".env": {"stripe-key"},
        "config/settings.py": {"aws-access-key", "aws-secret-key"},
        "tools/release.py": {"github-token"},
        "deploy/docker-compose.yml": {"password-assignment"},
    }


def _git_init(root):
    subprocess.run(["git", "init", "-q", root], check=True)
    subprocess.run(["git", "-C", root, "add", "-A"], check=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = str(tmp_path / "shop")
    os.makedirs(root)
    tokens = planted_tokens()
    expected = make_repo(root, tokens)
    _git_init(root)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(root)
    return root, tokens, expected


def _found(report):
    out = {}
    for f in report["findings"]:
        out.setdefault(f["file"], set()).add(f["kind"])
    return out


def _assert_no_token(output, tokens):
    for name, tok in tokens.items():
        assert tok not in output, f"{name} token printed unmasked"
        assert tok[6:] not in output and tok[-10:] not in output, f"part of the {name} token printed"


def test_scan_finds_every_planted_token_and_nothing_else(repo, capsys):
    root, tokens, expected = repo
    rc = secrets_scan.main(["--json"])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert rc == 1
    assert _found(report) == expected
    assert [f["file"] for f in report["secret_files"]] == [".env"]
    by_file = {f["file"]: f for f in report["findings"]}
    assert by_file[".env"]["blocked"] is True and by_file[".env"]["ignored"] is True
    # what the hook answers an agent reading it: it holds a token, so the read is denied
    assert by_file["scripts/domains.sh"]["blocked"] is True and by_file["scripts/domains.sh"]["hook"] == "deny"
    assert by_file["scripts/domains.sh"]["hook_rules"] == ["secrets.file-token"]
    assert by_file["scripts/domains.sh"]["line"] == 4
    assert by_file["scripts/domains.sh"]["masked"] == tokens["railway"][:4] + "…[masked]"
    stripe = next(f for f in report["findings"] if f["kind"] == "stripe-key")
    assert stripe["masked"] == tokens["stripe"][:10] + "…[masked]"
    assert report["stats"]["files_scanned"] >= 14
    _assert_no_token(out, tokens)


def test_no_ignored_skips_gitignored_files(repo, capsys):
    root, tokens, expected = repo
    rc = secrets_scan.main(["--json", "--no-ignored"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 1
    expected = {k: v for k, v in expected.items() if k != ".env"}
    assert _found(report) == expected
    assert report["secret_files"] == []


def test_all_includes_node_modules(repo, capsys):
    root, tokens, expected = repo
    secrets_scan.main(["--json", "--all"])
    report = json.loads(capsys.readouterr().out)
    assert _found(report)["node_modules/left-pad/index.js"] == {"github-token"}


def test_human_and_sarif_output_never_print_a_token(repo, capsys):
    root, tokens, expected = repo
    assert secrets_scan.main([]) == 1
    text = capsys.readouterr().out
    assert "scripts/domains.sh:4" in text and "railway-token" in text and "files/s" in text
    assert "hook: deny [secrets.file-token]" in text and "agents can read" not in text
    _assert_no_token(text, tokens)
    assert secrets_scan.main(["--sarif"]) == 1
    out = capsys.readouterr().out
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert {"scripts/domains.sh", ".env", "config/settings.py"} <= uris
    _assert_no_token(out, tokens)


def test_clean_tree_exits_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "clean"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text(PY_MODULE)
    (root / "README.md").write_text(README)
    assert secrets_scan.main([str(root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == [] and report["secret_files"] == []


def test_usage_errors_exit_two(capsys):
    assert secrets_scan.main(["--bogus"]) == 2
    assert secrets_scan.main(["--json", "--sarif"]) == 2
    assert secrets_scan.main(["/no/such/path/anywhere"]) == 2
    capsys.readouterr()


def test_home_scans_config_files(repo, capsys, tmp_path):
    root, tokens, expected = repo
    home = os.environ["HOME"]
    os.makedirs(os.path.join(home, ".aws"))
    with open(os.path.join(home, ".aws", "credentials"), "w") as f:
        f.write(f"[default]\naws_access_key_id = {tokens['aws_id']}\naws_secret_access_key = {tokens['aws_secret']}\n")
    with open(os.path.join(home, ".npmrc"), "w") as f:
        f.write("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")
    with open(os.path.join(home, ".bashrc"), "w") as f:
        f.write(f"export PATH=$HOME/bin:$PATH\nexport GITHUB_TOKEN={tokens['github']}\n")
    rc = secrets_scan.main(["--json", "--home", "--no-ignored", "src"])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert rc == 1
    found = _found(report)
    assert found == {"~/.aws/credentials": {"aws-access-key", "aws-secret-key"}, "~/.bashrc": {"github-token"}}
    hook = {f["file"]: (f["hook"], f["hook_rules"]) for f in report["findings"]}
    # a secret file by name; a shell rc file holding a token, which the hook also denies reading
    assert hook["~/.aws/credentials"] == ("deny", ["secrets.read-file"])
    assert hook["~/.bashrc"] == ("deny", ["secrets.file-token"])
    assert {f["file"] for f in report["secret_files"]} == {"~/.aws/credentials", "~/.npmrc"}
    _assert_no_token(out, tokens)


def test_module_entry_point_in_a_real_process(repo):
    root, tokens, expected = repo
    r = subprocess.run([sys.executable, "-m", "interlock.secrets_scan", "--json"], cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    assert _found(report) == expected
    _assert_no_token(r.stdout + r.stderr, tokens)


# --- speed on a 10,000-file tree (printed, not asserted) ----------------------------------------

def make_large_tree(root, n_files=10_000, seed=3):
    """n_files of ordinary project content (modules, tests, docs, configs), one planted token."""
    rng = random.Random(seed)
    kinds = [
        ("py", PY_MODULE), ("py", TEST_MODULE), ("md", README), ("yml", WORKFLOW), ("json", PACKAGE_JSON),
        ("js", "export function add(a, b) {\n  return a + b;\n}\nconst KEY = 'ArrowDown';\n" * 8),
        ("ts", "interface Props { token?: string; onChange(v: string): void }\n" * 12),
        ("sh", "#!/bin/sh\nset -e\nnpm ci\nnpm run build -- --mode production\n" * 5),
        ("toml", '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n[tool.poetry.dependencies]\npython = "^3.11"\n'),
    ]
    for i in range(n_files):
        ext, text = kinds[i % len(kinds)]
        d = os.path.join(root, f"pkg{i % 50}", f"mod{(i // 50) % 20}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"f{i}.{ext}"), "w") as f:
            f.write(text)
    tok = planted_tokens(99)["railway"]
    with open(os.path.join(root, "pkg7", "mod3", "domains.sh"), "w") as f:
        f.write(f"RAILWAY_TOKEN={tok}\n")
    return tok


def test_speed_on_10k_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTERLOCK_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = str(tmp_path / "big")
    os.makedirs(root)
    tok = make_large_tree(root)
    _git_init(root)
    monkeypatch.chdir(root)
    t0 = time.perf_counter()
    rc = secrets_scan.main(["--json"])
    elapsed = time.perf_counter() - t0
    report = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert [(f["file"], f["kind"]) for f in report["findings"]] == [("pkg7/mod3/domains.sh", "railway-token")]
    st = report["stats"]
    with capsys.disabled():
        print(f"\n[secrets scan] {st['files_scanned']} files, {st['bytes'] / 1e6:.1f} MB in {elapsed:.2f} s "
              f"(scan {st['seconds']:.2f} s): {st['files_per_second']:.0f} files/s")
    assert tok not in json.dumps(report)


def _hook_says(path, cwd):
    """The real hook process's answer to an agent reading ``path`` (Claude Code's Read tool)."""
    from conftest import interlock_exe

    payload = {"session_id": "s", "hook_event_name": "PreToolUse", "tool_name": "Read", "cwd": cwd,
               "tool_input": {"file_path": path}}
    p = subprocess.run(interlock_exe() + ["hook", "claude-code"], input=json.dumps(payload), capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, INTERLOCK_DAEMON="0", CLAUDE_PROJECT_DIR=cwd,
                                                    # the answer, not its speed: a loaded machine must not
                                                    # turn it into the budget's fail-closed ask
                                                    INTERLOCK_HOOK_BUDGET_MS="60000"))
    out = json.loads(p.stdout) if p.stdout.strip() else {}
    return (out.get("hookSpecificOutput") or {}).get("permissionDecision", "allow")


@pytest.mark.parametrize("policy", ["", '[[rules]]\nid = "secrets.file-token"\ndecision = "allow"\n',
                                    '[[rules]]\nid = "secrets.file-token"\ndecision = "ask"\n'
                                    '[secrets]\nexempt = [".env"]\n'])
def test_the_scan_says_what_the_hook_answers_file_by_file(repo, capsys, policy):
    """Every file the scan reports, read through the real hook process: the scan's `hook` is that
    answer (the incident's shape: a token in a deploy script the hook denies must not read as
    'agents can read this'), whatever the policy makes of it."""
    root, tokens, expected = repo
    if policy:
        cfg = os.path.join(os.environ["XDG_CONFIG_HOME"], "interlock")
        os.makedirs(cfg, exist_ok=True)
        with open(os.path.join(cfg, "policy.toml"), "w") as f:
            f.write(policy)
    secrets_scan.main(["--json"])
    report = json.loads(capsys.readouterr().out)
    answers = {}
    for f in report["findings"] + report["secret_files"]:
        answers.setdefault(f["file"], set()).add(f["hook"])
    assert answers and all(len(v) == 1 for v in answers.values())
    got = {file: _hook_says(os.path.join(root, file), root) for file in answers}
    assert {file: v.pop() for file, v in answers.items()} == got
    if "allow" in policy:  # the override lets agents read the deploy script: the scan says so
        assert got["scripts/domains.sh"] == "allow"
        secrets_scan.main([])
        text = capsys.readouterr().out
        assert re.search(r"scripts/domains\.sh:4 .*hook: allow  ← agents can read this", text), text
    else:
        assert got["scripts/domains.sh"] in ("deny", "ask")
