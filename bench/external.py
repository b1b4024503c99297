"""Corpora we didn't write: tldr-pages examples and the peers' test corpora, judged in-process.

    python bench/run.py --tldr [--jobs 2] [--tldr-corpus PATH] [--no-peers]
    python bench/external.py ...            (the same)

tldr: every example of the shared tldr corpus (30,479 commands, CC BY 4.0) goes through
``interlock.engine.check_command`` in child processes (a pool of ``--jobs``, default 2), with the
bench's fixture as HOME and workspace, exactly as run.py's in-process mode calls it. Labels come
from ``bench/tldr/labels.jsonl`` (made by ``bench/tldr/label.py`` from ``rules.toml``; see
``bench/tldr/RULES.md``). Reported by split — a page is held out when
``int(sha256(page).hexdigest(), 16) % 5 == 0`` — with the gap between tune and held-out:

- destructive caught (ask or deny) — the issue's target is >= 90%;
- read-described flagged (ask or deny), secret-printing examples aside — target <= 0.3%;
- ordinary-delete flagged (deleting files by a relative path: reported apart, no target);
- the first-pass figure the issue quoted (descriptions starting Delete/Destroy/Drop/… caught).

Details (every flagged read example with Interlock's reason, every allowed destructive example)
are listed for the tune split only: held-out pages are for measuring, never for reading.

Peers: ``bench/corpus/peers/<peer>/*.jsonl`` — ``command``, ``their_label`` (the peer's own label),
``expect`` (``allow``/``block`` where their label says so, else null), ``category``, ``id`` — converted from
the peers' public test corpora (``NOTICE.md`` and ``LICENSE`` beside each); all held out. Reported by
their own labels.

Output: ``bench/results/tldr-<date>.md`` (summary, read false alarms with reasons, peers) and
``bench/results/tldr-<date>-details.md`` (allowed destructive examples, per page). Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "tldr"))
import run as R  # noqa: E402  (bench/run.py: the fixture, the hook's environment)
from firstpass import first_pass, first_verb, held_out  # noqa: E402

TLDR_DIR = HERE / "tldr"
LABELS = TLDR_DIR / "labels.jsonl"
PEERS_DIR = HERE / "corpus" / "peers"
DEFAULT_TLDR = Path(os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl"))
#: the verbs of the issue's 582-example measurement (session 5), kept for comparability
ISSUE_VERBS = {"delete", "destroy", "drop", "wipe", "erase", "terminate", "purge", "overwrite", "truncate",
               "format", "shred"}
CAUGHT = ("ask", "deny")

CHILD = r"""
import json, sys, time
spec = json.load(open(sys.argv[1]))
try:
    from interlock.engine import check_command
except ImportError:
    sys.path.insert(0, spec["src"])
    from interlock.engine import check_command
cwd, home = spec["cwd"], spec["home"]
out = []
t0 = time.process_time()
for c in spec["commands"]:
    try:
        d = check_command(c, cwd=cwd, home=home, workspace=cwd)
        dec = str(getattr(d.decision, "value", d.decision)).lower()
        reasons = [str(r) for r in (getattr(d, "reasons", None) or [])][:2]
        rules = [str(r) for r in (getattr(d, "rules", None) or [])][:3]
        out.append([dec, " | ".join(reasons)[:300], ",".join(rules)])
    except Exception as exc:  # an exception is a finding of its own; counted as error, not as allow
        out.append(["error", f"{type(exc).__name__}: {exc}"[:300], ""])
json.dump({"results": out, "cpu_s": time.process_time() - t0}, open(spec["out"], "w"))
"""


# --------------------------------------------------------------------------- loading


def load_tldr(path: Path) -> list[dict]:
    if not path.exists():
        sys.exit(f"tldr corpus not found: {path} (set --tldr-corpus or TLDR_CORPUS)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_labels(path: Path = LABELS) -> dict[str, dict]:
    return {r["id"]: r for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())}


def load_peers(root: Path = PEERS_DIR) -> list[dict]:
    """Peer corpora (see bench/corpus/peers/README.md); every peer directory is held out."""
    cases = []
    for path in sorted(root.glob("*/*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if (obj.get("expect") not in R.EXPECTS + (None,) or not isinstance(obj.get("command"), str)
                    or not isinstance(obj.get("their_label"), str)):
                sys.exit(f"{path}:{n}: bad peer case")
            obj["peer"] = path.parent.name
            obj["where"] = f"{path.parent.name}/{path.name}:{n}"
            cases.append(obj)
    return cases


# --------------------------------------------------------------------------- judging


def judge(commands: list[str], fx, run_root: Path, jobs: int) -> tuple[list[list[str]], float]:
    """check_command over commands in `jobs` child processes; returns [decision, reason, rules] per command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(R._STRIP_ENV_PREFIXES)}
    env.update(HOME=str(fx.home), INTERLOCK_HOME=str(fx.state), CLAUDE_PROJECT_DIR=str(fx.ws),
               GIT_CEILING_DIRECTORIES=str(run_root), INTERLOCK_DAEMON="0")
    child = run_root / "external_child.py"
    child.write_text(CHILD)
    jobs = max(1, jobs)
    chunks = [list(range(i, len(commands), jobs)) for i in range(jobs)]
    procs = []
    for k, idx in enumerate(chunks):
        spec = {"commands": [commands[i] for i in idx], "cwd": str(fx.ws), "home": str(fx.home),
                "src": str(R.REPO / "src"), "out": str(run_root / f"external-out-{k}.json")}
        sp = run_root / f"external-spec-{k}.json"
        sp.write_text(json.dumps(spec))
        procs.append(subprocess.Popen([sys.executable, str(child), str(sp)], cwd=fx.ws, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    results: list = [None] * len(commands)
    cpu = 0.0
    for k, (p, idx) in enumerate(zip(procs, chunks)):
        try:
            _, err = p.communicate(timeout=1800)
        except subprocess.TimeoutExpired:
            p.kill()
            err = "timed out after 1800 s"
        try:
            data = json.loads((run_root / f"external-out-{k}.json").read_text())
            cpu += data["cpu_s"]
            for i, r in zip(idx, data["results"]):
                results[i] = r
        except (OSError, ValueError, KeyError):
            for i in idx:
                results[i] = ["error", f"child {k} failed: {(err or '').strip()[-200:]}", ""]
    return results, cpu


# --------------------------------------------------------------------------- scoring



def split_scores(rows: list[dict]) -> dict:
    """Per split (tune, held-out, all) of labelled commands judged (bench/agentcmds, bench/nl2bash): benign ones
    flagged and hard-denied, risky ones caught, destructive/credential ones denied, caught and allowed, and the
    commands labelled "outside" (a place the bench machine does not have) and how many of those were asked."""
    out = {}
    for split in ("tune", "held-out", "all"):
        rs = [r for r in rows if split == "all" or r["split"] == split]
        ben = [r for r in rs if r["label"] == "benign"]
        risky = [r for r in rs if r["label"] == "risky"]
        hard = [r for r in rs if r["label"] in ("destructive", "credential")]
        out[split] = {
            "n": len(rs), "benign": len(ben),
            "false_alarms": sum(r["decision"] in CAUGHT or r["decision"] == "error" for r in ben),
            "false_denies": sum(r["decision"] == "deny" for r in ben),
            "risky": len(risky), "risky_caught": sum(r["decision"] in CAUGHT for r in risky),
            "hard": len(hard), "hard_denied": sum(r["decision"] == "deny" for r in hard),
            "hard_caught": sum(r["decision"] in CAUGHT for r in hard),
            "hard_allowed": sum(r["decision"] == "allow" for r in hard),
            "outside": sum(r["label"] == "outside" for r in rs),
            "outside_caught": sum(r["label"] == "outside" and r["decision"] in CAUGHT for r in rs),
        }
    return out

def pct(n: int, d: int) -> str:
    if d == 0:
        return "–"
    v = 100 * n / d
    return f"{n:,}/{d:,} ({v:.2f}%)" if 0 < v < 1 else f"{n:,}/{d:,} ({v:.1f}%)"


def gap(a: tuple[int, int], b: tuple[int, int]) -> str:
    if not a[1] or not b[1]:
        return "–"
    return f"{100 * (b[0] / b[1] - a[0] / a[1]):+.2f} pts"


def tldr_scores(rows: list[dict]) -> dict:
    """rows: example + label + result. Returns the counts the report prints."""
    def cnt(pred):
        # an exception inside Interlock is counted against it both ways: not a catch on destructive
        # examples, a false alarm on the others (the hook would have failed closed on it)
        out = {}
        for split in ("tune", "held-out", "all"):
            sel = [r for r in rows if pred(r) and (split == "all" or r["split"] == split)]
            n = sum(r["decision"] in CAUGHT or (r["decision"] == "error" and r["label"] != "destructive")
                    for r in sel)
            out[split] = (n, len(sel))
        return out

    s = {
        "destructive": cnt(lambda r: r["label"] == "destructive"),
        "destructive_denied": {k: (sum(1 for r in rows if r["label"] == "destructive" and r["decision"] == "deny"
                                       and (k == "all" or r["split"] == k)),
                                   sum(1 for r in rows if r["label"] == "destructive" and (k == "all" or r["split"] == k)))
                               for k in ("tune", "held-out", "all")},
        "read": cnt(lambda r: r["label"] == "read"),
        "read_denied": {k: (sum(1 for r in rows if r["label"] == "read" and r["decision"] == "deny"
                                and (k == "all" or r["split"] == k)),
                            sum(1 for r in rows if r["label"] == "read" and (k == "all" or r["split"] == k)))
                        for k in ("tune", "held-out", "all")},
        "secret": cnt(lambda r: r["label"] == "secret-read"),
        "ordinary_delete": cnt(lambda r: r["label"] == "ordinary-delete"),
        "benign": cnt(lambda r: r["label"] == "benign"),
        "other": cnt(lambda r: r["label"] == "other"),
        "issue_verbs": cnt(lambda r: r["first_pass"] == "destructive-described" and r["verb"] in ISSUE_VERBS),
        "described": cnt(lambda r: r["first_pass"] == "destructive-described"),
        "errors": sum(r["decision"] == "error" for r in rows),
    }
    return s


# --------------------------------------------------------------------------- report


def md(s: str, limit: int = 150) -> str:
    return R.md_code(s, limit)


def render(rows, scores, peers, peer_res, meta) -> tuple[str, str]:
    L = []
    w = L.append
    w(f"# Corpora we didn't write — {meta['when']}\n")
    w(f"Interlock {meta['commit']} judged in-process (`check_command`, the bench fixture as HOME and workspace), "
      f"{meta['n']:,} tldr examples + {len(peers)} peer cases in {meta['seconds']:.0f} s wall "
      f"({meta['jobs']} worker(s), {meta['cpu']:.0f} s CPU). Labels: `bench/tldr/labels.jsonl` "
      f"(rules in `bench/tldr/RULES.md`). Exceptions inside Interlock: {scores['errors']} (counted against it: "
      "not caught when destructive, flagged otherwise).\n")
    w("A page is **held out** when `int(sha256(page).hexdigest(), 16) % 5 == 0`; held-out pages are measured, "
      "never read to decide what to add, so the lists below show the tune split only.\n")
    w("## tldr-pages\n")
    w("| figure | target | tune | held-out | gap (held-out − tune) | all |")
    w("|---|---|---|---|---|---|")

    def row(name, target, key):
        d = scores[key]
        w(f"| {name} | {target} | {pct(*d['tune'])} | {pct(*d['held-out'])} | {gap(d['tune'], d['held-out'])} | {pct(*d['all'])} |")

    row("**destructive caught** (ask or deny)", "≥ 90%", "destructive")
    row("destructive denied", "", "destructive_denied")
    row("**read-described flagged** (false alarms)", "≤ 0.3%", "read")
    row("read-described denied", "0", "read_denied")
    row("secret-printing reads flagged (right to flag)", "", "secret")
    row("ordinary-delete flagged (`rm path/to/file` …)", "reported", "ordinary_delete")
    row("destructive-described, benign on reading, flagged", "", "benign")
    row("other examples flagged (no label, for information)", "", "other")
    row("the issue's measure: Delete/Destroy/Drop/Wipe/Erase/Terminate/Purge/Overwrite/Truncate/Format/Shred caught", "",
        "issue_verbs")
    w("")
    # by rule class
    w("### Destructive examples by class (all splits; allowed = the class still passes)\n")
    by_rule = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        if r["label"] == "destructive":
            by_rule[r["rule"]][1] += 1
            by_rule[r["rule"]][0] += r["decision"] in CAUGHT
    w("| rule (bench/tldr/rules.toml) | caught |")
    w("|---|---|")
    for k, (c, n) in sorted(by_rule.items(), key=lambda kv: -kv[1][1]):
        w(f"| {k} | {pct(c, n)} |")
    w("")
    w("### Destructive examples by the description's verb (all splits)\n")
    by_verb = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        if r["label"] == "destructive":
            by_verb[r["verb"]][1] += 1
            by_verb[r["verb"]][0] += r["decision"] in CAUGHT
    w("| verb | caught | allowed |")
    w("|---|---|---|")
    for k, (c, n) in sorted(by_verb.items(), key=lambda kv: -(kv[1][1] - kv[1][0])):
        w(f"| {k} | {pct(c, n)} | {n - c} |")
    w("")
    # allowed destructive pages (tune)
    allowed = [r for r in rows if r["label"] == "destructive" and r["decision"] not in CAUGHT and r["split"] == "tune"]
    pages = collections.Counter(r["page"] for r in allowed)
    w(f"### The 40 tune pages with the most allowed destructive examples ({len(allowed)} allowed on {len(pages)} pages)\n")
    w("| page | allowed | example |")
    w("|---|---|---|")
    first = {}
    for r in allowed:
        first.setdefault(r["page"], r)
    for p, n in pages.most_common(40):
        w(f"| {p} | {n} | {md(first[p]['cmd'], 90)} |")
    w("")
    # read false alarms (tune) with reasons
    fa = [r for r in rows if r["label"] == "read" and r["decision"] in CAUGHT and r["split"] == "tune"]
    w(f"### Read-described examples flagged, tune split ({len(fa)}), with Interlock's reason\n")
    w("| decision | command | description | reason |")
    w("|---|---|---|---|")
    for r in sorted(fa, key=lambda r: (r["decision"], r["page"])):
        w(f"| {r['decision']} | {md(r['cmd'], 90)} | {r['description'][:60]} | {r['reason'][:160].replace('|', '/')} |")
    w("")
    bf = [r for r in rows if r["label"] == "benign" and r["decision"] in CAUGHT and r["split"] == "tune"]
    w(f"### Destructive-described but benign on reading, flagged, tune split ({len(bf)})\n")
    w("| decision | command | rule | reason |")
    w("|---|---|---|---|")
    for r in sorted(bf, key=lambda r: (r["decision"], r["page"])):
        w(f"| {r['decision']} | {md(r['cmd'], 90)} | {r['rule']} | {r['reason'][:160].replace('|', '/')} |")
    w("")
    od = [r for r in rows if r["label"] == "ordinary-delete" and r["split"] == "tune"]
    w(f"### Ordinary deletes, tune split ({len(od)})\n")
    for r in od:
        w(f"- {r['decision']}: {md(r['cmd'], 90)}" + (f" — {r['reason'][:120]}" if r["decision"] in CAUGHT else ""))
    w("")
    # peers
    w("## Peer corpora (all held out: converted, never tuned on)\n")
    if not peers:
        w("No peer corpus found under `bench/corpus/peers/`.\n")
    else:
        w("| peer | their label | cases | Interlock asks or denies | of which denies | allows |")
        w("|---|---|---|---|---|---|")
        grp = collections.defaultdict(list)
        for c, res in zip(peers, peer_res):
            grp[(c["peer"], c["their_label"])].append(res[0])
        for (peer, lab), decs in sorted(grp.items()):
            n = len(decs)
            c = sum(d in CAUGHT for d in decs)
            dn = sum(d == "deny" for d in decs)
            w(f"| {peer} | {lab} | {n} | {pct(c, n)} | {pct(dn, n)} | {pct(n - c, n)} |")
        w("")
        w("Their labels are their tools' own expectations (Rampart's `require_approval` covers risky and plainly "
          "ordinary commands alike; cc-safety-net's `allow` includes what its standard level lets through by design), "
          "so these rows say where Interlock and each peer agree, not who is right.\n")
        w("The peer corpora are held out as a whole: counts only, no case listed (never read to tune on).\n")
    summary = "\n".join(L) + "\n"

    D = [f"# tldr: allowed destructive examples, tune split — {meta['when']}\n",
         "Every tune-split example labelled `destructive` that Interlock allowed, grouped by page "
         "(held-out pages are not listed).\n"]
    by_page = collections.defaultdict(list)
    for r in allowed:
        by_page[r["page"]].append(r)
    for p in sorted(by_page, key=lambda p: (-len(by_page[p]), p)):
        D.append(f"## {p} ({len(by_page[p])})\n")
        for r in by_page[p]:
            D.append(f"- {md(r['cmd'], 140)} — {r['description'][:80]} [{r['rule']}]")
        D.append("")
    return summary, "\n".join(D) + "\n"


# --------------------------------------------------------------------------- main


def git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(R.REPO), "rev-parse", "--short", "HEAD"], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip() or "?"
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tldr-corpus", type=Path, default=DEFAULT_TLDR)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--out", type=Path, default=R.RESULTS)
    ap.add_argument("--workdir", type=Path, default=R.ANCHORS / "work")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="judge only the first N tldr examples (smoke test)")
    args = ap.parse_args(argv)

    started = time.perf_counter()
    corpus = load_tldr(args.tldr_corpus)
    if args.limit:
        corpus = corpus[: args.limit]
    labels = load_labels()
    missing = [ex["id"] for ex in corpus if ex["id"] not in labels]
    if missing:
        sys.exit(f"{len(missing)} examples have no label (first: {missing[0]}); run bench/tldr/label.py")
    peers = [] if args.no_peers else load_peers()

    args.workdir.mkdir(parents=True, exist_ok=True)
    run_root = Path(tempfile.mkdtemp(prefix="ext-", dir=args.workdir)).resolve()
    try:
        fx = R.make_fixtures(run_root, ["interlock"])["interlock"]
        commands = [labels[ex["id"]].get("cmd", ex["cmd"]) for ex in corpus] + [c["command"] for c in peers]
        print(f"[external] {len(corpus):,} tldr examples + {len(peers)} peer cases, {args.jobs} worker(s)", file=sys.stderr)
        results, cpu = judge(commands, fx, run_root, args.jobs)
    finally:
        shutil.rmtree(run_root, ignore_errors=True)
    rows = []
    for ex, res in zip(corpus, results):
        lab = labels[ex["id"]]
        rows.append(dict(ex, cmd=lab.get("cmd", ex["cmd"]), label=lab["label"], rule=lab.get("rule", "first-pass"), first_pass=first_pass(ex["description"]),
                         split="held-out" if held_out(ex["page"]) else "tune", verb=first_verb(ex["description"]),
                         decision=res[0], reason=res[1], rules=res[2]))
    peer_res = results[len(corpus):]
    scores = tldr_scores(rows)
    today = _dt.date.today().isoformat()
    meta = {"when": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "n": len(corpus), "jobs": args.jobs,
            "seconds": time.perf_counter() - started, "cpu": cpu, "commit": git_commit()}
    summary, details = render(rows, scores, peers, peer_res, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"tldr-{today}.md").write_text(summary, encoding="utf-8")
    (args.out / f"tldr-{today}-details.md").write_text(details, encoding="utf-8")
    head = summary.split("### Destructive examples by class")[0]
    print(head)
    print(f"[external] written {args.out / f'tldr-{today}.md'} and tldr-{today}-details.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
