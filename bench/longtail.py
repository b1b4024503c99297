"""The long tail on tldr-pages: destructive-described examples caught, read-described ones flagged.

    .venv/bin/python bench/longtail.py [--part tune|heldout] [--show missed|flagged|caught] [--limit N]

In-process (engine.evaluate with one Context, as bench/run.py's in-process phase).  A page is
held out when ``int(sha256(page), 16) % 5 == 0`` (the split every session uses): tune on the
rest, measure the held-out part only at the end.

"Destructive-described": the description starts with Delete/Destroy/Drop/Wipe/Erase/Terminate/
Purge/Overwrite/Truncate/Format/Shred/Remove/Uninstall/Kill/Stop.  Of those, the examples that are
ordinary work are labelled by rule in ``NOT_DESTRUCTIVE`` below (formatters, package managers and
local tool caches, a file in the workspace, killing a local process...), so the figure is the share
of truly destructive ones caught (ask or deny).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile

CORPUS = os.environ.get("TLDR_CORPUS", "/work/shared/corpora/tldr-examples.jsonl")
DESTRUCTIVE = re.compile(r"^(Delete|Destroy|Drop|Wipe|Erase|Terminate|Purge|Overwrite|Truncate|Format|Shred|"
                         r"Remove|Uninstall|Kill|Stop)\b")
# the issue's own figure (22% caught of 582): these verbs only, no labelling
ISSUE_VERBS = re.compile(r"^(Delete|Destroy|Drop|Wipe|Erase|Terminate|Purge|Overwrite|Truncate|Format|Shred)\b")
READ = re.compile(r"^(List|Show|Display|Print|Get|View|Search|Check|Describe|Find|Inspect|Query|Read|Look|"
                  r"Count|Output|Retrieve|Fetch|Preview|Dump|Monitor|Watch)\b")

# Labelling rules: destructive-described examples that are ordinary work, not a destruction.
NOT_DESTRUCTIVE = [
    # "Format" as in formatting text or code, or printing in a format
    (r"^Format\b(?!.*\b(disk|partition|drive|device|volume|filesystem|file system|card|usb|floppy))", "formatting"),
    # removing packages, plugins, toolchains, versions, extensions: a local, regenerable write
    (r"(?i)\b(package|packages|plugin|plugins|extension|extensions|toolchain|toolchains|dependency|dependencies|"
     r"module|modules|gem|gems|crate|formula|cask|library|libraries|runtime|version|versions of|SDK|app from|"
     r"application|applications|kernel|theme|themes|font|fonts|addon|add-on|a pinned|hook|hooks|driver)\b",
     "package or tool management"),
    (r"(?i)\b(cache|caches|temporary|temp files|orphan|unused|build artifacts|build files|lock file|lockfile|"
     r"history|logs? older|log file|trash|thumbnail)\b", "regenerable local state"),
    # text processing: remove lines, characters, whitespace, duplicates, metadata from output or a copy
    (r"(?i)\b(line|lines|characters?|whitespace|spaces|duplicates?|comments?|newlines?|prefix|suffix|"
     r"column|columns|field|fields|blank|empty lines|tags?|metadata|exif|sections?|symbols?|debug|headers?|"
     r"trailing|leading|color|colors|formatting|accents|diacritics|byte order mark|BOM|ANSI|escape|quotes|"
     r"password from|passphrase|protection|background|noise|borders?|pages? from|frames|audio|subtitles?|"
     r"watermark|signature|selection|the last|item from|entry from|entries from|alias|bookmark|breakpoint|"
     r"keybinding|mapping|label|labels|from the (queue|list|index|playlist|staging|stage|path|environment)|"
     r"from a list|from the current|from PATH|variable|environment variable|from the clipboard)\b", "text or local data"),
    # processes and local services of this session
    (r"(?i)^(Kill|Stop|Terminate)\b.*\b(process|processes|job|jobs|session|sessions|daemon|server|tmux|screen|"
     r"program|task|tasks|timer|recording|playback|music|song|capture|monitor|watch|the running|spinner|"
     r"animation|benchmark|sound|player|instance of|debug|tracing|trace|profil|agent|emulator|simulator|"
     r"the current|all running|service|services|container|containers|network|vm|virtual machine|machine|"
     r"devices?|interface)\b", "a local process or service"),
    (r"(?i)\b(stopwatch|timer|alarm|notification|shortcut|keyboard|mouse|cursor|window|windows|screen|display|"
     r"desktop|workspace|tab|tabs|buffer|buffers|remote from|remote named|submodule|worktree|branch name|stash|"
     r"key from the keyring|from the keyring|trust|host key|known_hosts|ssh key from the agent|identity)\b",
     "local session state"),
]
_NOT = [(re.compile(p), why) for p, why in NOT_DESTRUCTIVE]

# Labelling rules by page and command: ordinary work whatever the description's verb.
NOT_DESTRUCTIVE_CMD = [
    # files in the workspace, the working tree of a local repository (recoverable, the agent's own work)
    (r"^(rm|rmdir|unlink|trash|trash-put|gio-trash|git-rm|git-mv|git-branch|git-remote|git-notes|git-replace|"
     r"git-symbolic-ref|git-repack|git-maintenance|git-credential|git-undo|git-delete-squashed-branches|git-bulk|"
     r"git-stash|git-worktree|git-clean|git-reset|git-restore|git-checkout|hg-.*|dolt-.*|jj-.*|quilt|zip|"
     r"xmlstarlet|stow|rcs|ln|ditto|cavif|zapier-scaffold|wine-reg-export|git-mv)$", "the agent's own files"),
    # build outputs and caches: they regenerate
    (r"^(cargo-clean|go-clean|flutter|bazel|sbt|spike|phpize|mvn-idea|devenv|ipfs|nix-collect-garbage|"
     r"journalctl|tlmgr-backup|pueue-clean|pio-system|brew-cleanup|mandb|rpmconf|eclean-kernel|todo)$",
     "regenerable build output or cache"),
    # local containers and images (docker rm, rmi): they regenerate
    (r"^(docker-container-rm|docker-image-rm|podman|podman-rmi|podman-rm|nerdctl|crictl|toolbox-rm|"
     r"docker-rm|docker-rmi)$", "a local container or image"),
    # attributes, permissions, labels, annotations, options: a write
    (r"^(xattr|setfattr|setcap|chmod|chcat|mkvpropedit|kubectl-annotate|kubectl-taint|kubectl-label|"
     r"terraform-untaint|transmission-edit|aa-audit|aa-update-browser|fileicon|pct-set|qm-set|pvenode-config|"
     r"kwriteconfig5|kwriteconfig6|zstyle|abbr|euse|lpoptions|tlmgr-conf|conda-config|poetry-config|"
     r"pulumi-config|npm-config|ibmcloud-api|sfdk-check|bclm|limine-enroll-config)$", "an attribute or setting"),
    # the shell's own state, interactive keys, options that stop early
    (r"^(\^|shift|unset|unalias|unhash|trap|hash|popd|z|autojump|virtualenv|virtualenvwrapper|nudoku|"
     r"az-serial-console|pv|pg_receivewal|ghc|cotton|pamexec|boxes|htmlq|bat|msgattrib|pgmdeshadow|"
     r"lb|cheatshh|konsave|kpackagetool5|kpackagetool6|makoctl-mode|mpc|wezterm-cli|watchman|"
     r"in-toto-record|calcurse|sntpd|tmutil|maza|fwconsole|mole|pod|corepack|k3s|pivpn|zeroclaw-service|"
     r"gacutil|dotnet-tool|cargo-uninstall|cargo-logout|gup|phive|pie|pixi-task|poetry-env|poetry-source|"
     r"pio-platform|pueue-group|pueue-remove|uv-remove|remove-nodeversion|cordova|az-bicep|brew-bundle|"
     r"ghq|apx-subsystems|add-apt-repository|urpmi.removemedia|swupd|conda-env|conda-package|clamscan|"
     r"clamdscan|ss|z|ykman-oath)$", "local session, tool or package state"),
    # local configuration, keys and sessions of this machine or user (recoverable writes)
    (r"^(adb-forward|adb-reverse|wine-reg-delete|wine-reg|ssh-add|tlmgr-.*|todo\.sh|opencode-.*|mutagen|kubectx|"
     r"helm|omf|supabase|lpadmin|cupsdisable|transmission-remote|protonvpn|vpnc|wg-quick|atrm|clido|skate|"
     r"proctl|mmcli|sfill|aws-vault|gcloud-auth|resolvconf|upnpc|conntrack|ipcrm|kpartx|lvmdevices|rpmkeys|"
     r"pacman-key|usermod|fail2ban-client|htpasswd|mosquitto_passwd|shred|srm|scrub|bleachbit|"
     r"lvmpersist|limine-entry-tool|smbcacls|asterisk|systemd-tmpfiles|virt-sysprep|regedit|tgutil)$",
     "local configuration, keys or files of this machine"),
]
_NOT_CMD = [(re.compile(p), why) for p, why in NOT_DESTRUCTIVE_CMD]


def heldout(page: str) -> bool:
    return int(hashlib.sha256(page.encode()).hexdigest(), 16) % 5 == 0


def load(part):
    with open(CORPUS) as fh:
        for line in fh:
            r = json.loads(line)
            if (part == "heldout") == heldout(r["page"]):
                yield r


def label(r):
    """'destructive', 'ordinary:<why>' (a destructive-described example that is ordinary work), 'read' or None."""
    d = r["description"]
    if DESTRUCTIVE.match(d):
        if r["cmd"].startswith("<") or "--dry-run" in r["cmd"] or r["cmd"].startswith("rclone -n "):
            return "ordinary:not a command"
        for rx, why in _NOT_CMD:
            if rx.match(r["page"]):
                return "ordinary:" + why
        for rx, why in _NOT:
            if rx.search(d):
                return "ordinary:" + why
        return "destructive"
    if READ.match(d):
        return "read"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=("tune", "heldout"), default="tune")
    ap.add_argument("--show", choices=("missed", "flagged", "caught", "ordinary-flagged"))
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--grep", help="only examples whose page matches this regex")
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", "src"),
                    help="the interlock source tree to measure (default: this checkout's)")
    args = ap.parse_args(argv)
    sys.path.insert(0, args.src)
    from interlock.actions import SHELL, Action
    from interlock.engine import Context, evaluate

    tmp = tempfile.mkdtemp(prefix="longtail-")
    ws = os.path.join(tmp, "ws")
    home = os.path.join(tmp, "home")
    os.makedirs(ws)
    os.makedirs(home)
    ctx = Context(ws, home=home, workspace=ws, env={"HOME": home, "PATH": "/usr/bin:/bin"})
    counts = {"destructive": [0, 0], "read": [0, 0], "ordinary": [0, 0]}
    shown = 0
    issue = [0, 0]
    for r in load(args.part):
        if args.grep and not re.search(args.grep, r["page"]):
            continue
        lab = label(r)
        if lab is None:
            continue
        try:
            dec = evaluate(Action(SHELL, {"command": r["cmd"]}, cwd=ws), ctx)
            verdict = str(getattr(dec.decision, "value", dec.decision)).lower()
            why = "; ".join(f"{f.rule}" for f in getattr(dec, "findings", [])[:3])
        except Exception as exc:  # a crash is a failure to report, not a verdict
            verdict, why = "error", f"{type(exc).__name__}: {exc}"
        flagged = verdict in ("ask", "deny", "error")
        if ISSUE_VERBS.match(r["description"]):
            issue[0] += 1
            issue[1] += flagged
        key = lab.split(":")[0]
        counts[key][0] += 1
        counts[key][1] += flagged
        want = {"missed": key == "destructive" and not flagged, "caught": key == "destructive" and flagged,
                "flagged": key == "read" and flagged, "ordinary-flagged": key == "ordinary" and flagged}
        if args.show and want[args.show] and shown < args.limit:
            shown += 1
            print(f"{verdict:5} {r['page']:20} | {r['description'][:60]:60} | {r['cmd'][:90]} | {why}")
    n, c = counts["destructive"]
    rn, rc = counts["read"]
    on, oc = counts["ordinary"]
    print(f"part={args.part}: destructive-described (truly destructive) caught {c}/{n} = {100 * c / max(n, 1):.1f}%; "
          f"read-described flagged {rc}/{rn} = {100 * rc / max(rn, 1):.2f}%; "
          f"destructive-described but ordinary flagged {oc}/{on}; all destructive-described (unlabelled) "
          f"flagged {c + oc}/{n + on} = {100 * (c + oc) / max(n + on, 1):.1f}%; the issue's verbs (Delete…Shred, "
          f"unlabelled) flagged {issue[1]}/{issue[0]} = {100 * issue[1] / max(issue[0], 1):.1f}%")


if __name__ == "__main__":
    main()
