"""The long tail of destructive commands, by class (issue 15): each class's verbs × spellings, and the
ordinary look-alikes that must pass.  Classes, not the tldr examples that showed them."""

from __future__ import annotations

import itertools

import pytest

from interlock.actions import SHELL, Action
from interlock.engine import Context, analyze


@pytest.fixture
def ctx(workspace, home, env):
    return Context(workspace, home=home, workspace=workspace, env=env)


def _rules(command, ctx):
    return sorted({f.rule for f in analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)})


def _cases(programs, forms):
    return [f.format(p=p) for p, f in itertools.product(programs, forms)]


# --- secure deletion: overwritten in place, nothing brings it back ---------------------------------
@pytest.mark.parametrize("command", _cases(
    ["shred", "srm", "scrub", "wipe", "sudo shred"],
    ["{p} notes.txt", "{p} -v data/file.bin", "{p} -- ./x.db"]) + [
    "shred -vzu -n 3 key.pem", "scrub -p dod data.bin", "scrub -r old.db", "bleachbit -s secrets.txt",
    "bleachbit --shred a.txt b.txt"])
def test_secure_deletion_is_asked(command, ctx):
    assert "fs.shred" in _rules(command, ctx), command


@pytest.mark.parametrize("command", ["shred --help", "scrub -X /mnt/free", "srm --version", "bleachbit -c system.cache",
                                     "shred -u /tmp/build-123.log"])
def test_secure_deletion_look_alikes(command, ctx):
    assert "fs.shred" not in _rules(command, ctx), command


# --- system package removal through any manager; orphans and caches pass --------------------------
@pytest.mark.parametrize("command", _cases(
    ["yay", "paru", "yaourt", "pacaur", "trizen", "aura", "pikaur"], ["{p} -R foo", "{p} -Rns foo", "sudo {p} --remove foo"]) +
    _cases(["nala", "oma", "pkcon", "prt-get", "deb-get", "wajig", "eopkg"], ["{p} remove foo", "sudo {p} purge foo"]) +
    _cases(["xbps-remove", "urpme", "removepkg"], ["{p} foo", "sudo {p} -R foo"]) + [
    "sudo swupd bundle-remove editors", "slapt-get --remove foo", "sudo emerge -avc foo", "emerge --unmerge foo",
    "sudo dnf rm foo", "sudo eclean-kernel -n 2", "vkpurge rm all", "sudo mhwd-kernel -r linux61",
    "sudo abroot pkg remove foo", "sudo synopkg uninstall foo"])
def test_system_package_removal_is_asked(command, ctx):
    assert "pkg.remove-system" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "sudo apt-get autoremove", "apt autoremove", "nala autoremove", "yay -Yc", "yay -Syu", "paru -Ss foo",
    "pacman -Rp foo", "pacman -Rh", "xbps-remove -O", "xbps-remove -o", "emerge --depclean", "emerge -pvc foo",
    "sudo port uninstall inactive", "nala install foo", "eclean-kernel -p -n 2", "vkpurge list", "uv remove requests",
    "pipx uninstall black", "flatpak uninstall --unused"])
def test_orphans_caches_and_installs_pass(command, ctx):
    assert "pkg.remove-system" not in _rules(command, ctx), command


# --- processes killed by name: service / dev process / anything else -------------------------------
@pytest.mark.parametrize("command", _cases(
    ["pkill", "killall", "pkill -9", "killall -TERM", "pkill -f", "sudo pkill"], ["{p} firefox", "{p} process_name"]) + [
    "kill $(pidof spotify)", "kill -9 $(pgrep thunderbird)", "sudo killall -SIGINT openconnect", "pkill -o slack"])
def test_kill_by_name_is_asked(command, ctx):
    assert "proc.kill-by-name" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "pkill -f 'npm run dev'", "pkill -f \"npm run dev\"", "kill %1", "lsof -ti:3000 | xargs kill", "pkill node",
    "killall -9 python3", "pkill -f uvicorn", "pkill -f 'python manage.py runserver'", "pkill -f vite",
    "pkill -f 'next dev'", "pkill -f app.py", "pkill -f ./bin/dev-server", "pkill -f webpack-dev-server",
    "kill -USR1 $(pgrep ^dd)", "pkill -HUP -f gunicorn", "pgrep firefox", "pkill --help", "kill 12345",
    "kill $(cat .dev-server.pid)", "pkill -f jest"])
def test_dev_processes_and_gentle_signals_pass(command, ctx):
    got = _rules(command, ctx)
    assert "proc.kill-by-name" not in got and "proc.kill-service" not in got, (command, got)


@pytest.mark.parametrize("command", ["pkill postgres", "killall -9 dockerd", "pkill -f 'node|postgres'",
                                     "kill $(pidof mysqld)", "pkill -f redis-server"])
def test_a_service_name_wins_over_a_dev_word(command, ctx):
    assert "proc.kill-service" in _rules(command, ctx), command


# --- services and daemons stopped through any front-end ----------------------------------------------
@pytest.mark.parametrize("command", [
    "sudo apachectl stop", "apache2ctl graceful-stop", "bitcoin-cli stop", "pve-firewall stop", "fwconsole stop",
    "zeroclaw service stop", "AdGuardHome --service stop", "sudo squid -k shutdown", "sudo nginx -s stop",
    "httpd -k stop", "sudo rc-service nginx stop", "rc-update del sshd default", "sudo sv down /etc/service/x",
    "sv force-stop x", "pm2 stop api", "pm2 delete all", "forever stop 0", "supervisorctl stop worker",
    "sudo invoke-rc.d nginx stop", "update-rc.d nginx remove"])
def test_service_stops_are_asked(command, ctx):
    assert "sys.service-stop" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "sudo apachectl graceful", "apachectl configtest", "bitcoin-cli getblockcount", "pve-firewall status",
    "sudo nginx -s reload", "nginx -t", "squid -k reconfigure", "rc-service nginx restart", "rc-update add sshd",
    "sv status x", "pm2 list", "pm2 logs", "pm2 start app.js", "supervisorctl status", "systemctl kill -s help"])
def test_service_look_alikes_pass(command, ctx):
    assert "sys.service-stop" not in _rules(command, ctx), command


# --- this machine's configuration removed ------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "sudo iptables -D INPUT 3", "ip6tables --delete FORWARD 1", "ufw delete 2", "sudo ufw --force delete 4",
    "sudo arptables -D INPUT 1", "ebtables -D FORWARD 2", "conntrack -D -s 10.0.0.1", "brctl delif br0 eth0",
    "bridge vlan del dev lan1 vid 10", "bridge v d dev lan1 vid 10", "firewall-cmd --remove-port=443/tcp",
    "modprobe -r btusb", "sudo modprobe --remove nvidia", "rmmod nvidia", "semodule -r local", "lpadmin -x hp",
    "atrm 3 4", "rpcinfo -d mountd 1", "lvmdevices --deldev /dev/sdb1", "dkms remove nvidia/535 --all"])
def test_machine_configuration_removal_is_asked(command, ctx):
    assert "sys.config-remove" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "iptables -L -n", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "ufw status numbered", "ufw allow 22",
    "conntrack -L", "brctl show", "bridge vlan show", "firewall-cmd --list-all", "modprobe btusb", "lsmod",
    "semodule -l", "lpstat -p", "atq", "rpcinfo -p", "dkms status"])
def test_machine_configuration_look_alikes_pass(command, ctx):
    assert "sys.config-remove" not in _rules(command, ctx), command


# --- git X runs git-X ----------------------------------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("git obliterate secrets.txt", "infra.cli-delete"), ("git delete-branch feature", "infra.cli-delete"),
    ("git delete-tag v1.0", "infra.cli-delete"), ("git delete-submodule lib/x", "infra.cli-delete"),
    ("git clear", "git.discard-changes"), ("git clear-soft", "git.discard-changes"),
    ("git reset-file src/app.py", "git.discard-changes"), ("git unpublish feature", "git.push-delete"),
    ("git undo --hard", "git.reset-hard"), ("git secret killperson a@example.com", "infra.cli-delete")])
def test_git_external_commands(command, rule, ctx):
    assert rule in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "git rm README.md", "git remote remove origin", "git undo", "git delete-merged-branches",
    "git worktree remove ../wt", "git status", "git secret reveal", "git prune-packed", "git branch -d merged"])
def test_git_look_alikes_pass(command, ctx):
    got = _rules(command, ctx)
    assert not {"infra.cli-delete", "git.discard-changes", "git.push-delete", "git.reset-hard"} & set(got), (command, got)


# --- the user's own lists on this machine (generic model's local programs and groups) ------------------
@pytest.mark.parametrize("command", [
    "cliphist wipe", "dnote remove 3", "zoxide remove ~/old", "watson remove", "vagrant box remove hashicorp/bionic64",
    "someclient skills remove x", "eselect news purge"])
def test_local_lists_pass(command, ctx):
    assert _rules(command, ctx) == [], command


# --- package registries: what others depend on ------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "npm team rm org:devs alice", "npm team destroy org:devs", "npm token revoke 1a2b", "npm access revoke org:devs pkg",
    "npm dist-tag rm pkg beta", "npm hook rm 7", "npm org rm acme bob", "npm owner rm bob pkg", "npm unpublish pkg@1.0.0",
    "pnpm unpublish pkg --force"])
def test_registry_removals_are_asked(command, ctx):
    assert "infra.cli-delete" in _rules(command, ctx), command


@pytest.mark.parametrize("command", [
    "npm owner ls pkg", "npm token list --json", "npm dist-tag add pkg@1.0.0 beta", "npm team ls org", "npm rm lodash",
    "npm uninstall left-pad", "npm unpublish pkg@1.0.0 --dry-run", "npm access list packages"])
def test_registry_look_alikes_pass(command, ctx):
    assert "infra.cli-delete" not in _rules(command, ctx), command


# --- backups, credentials, power, machines ------------------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("borg prune --keep-within 7d /backups/repo", "sys.backup-prune"), ("borg delete /backups/repo::old", "sys.backup-prune"),
    ("restic -r /srv/restic forget --prune --keep-last 3", "sys.backup-prune"), ("kopia snapshot delete k1 --delete", "sys.backup-prune"),
    ("sudo snapper -c root delete 3", "sys.backup-prune"), ("journalctl --vacuum-time 2d", "sys.backup-prune"),
    ("journalctl --vacuum-size=500M", "sys.backup-prune"), ("duplicacy prune -r 12", "sys.backup-prune"),
    ("htpasswd -D .htpasswd bob", "sys.credential-reset"), ("mosquitto_passwd -D passwd bob", "sys.credential-reset"),
    ("elasticsearch-reset-password -u elastic", "sys.credential-reset"),
    ("grafana cli admin reset-admin-password pw", "sys.credential-reset"),
    ("i3exit reboot", "sys.power"), ("loginctl poweroff", "sys.power"), ("kodi-send --action=Shutdown", "sys.power"),
    ("rpm-ostree upgrade --reboot", "sys.power"), ("sudo machinectl poweroff web", "infra.outage"),
    ("lxc-stop -n web", "infra.outage"), ("nova shelve vm1", "infra.outage"), ("ipcrm -m 32769", "infra.cli-delete"),
    ("VBoxManage controlvm vm1 savestate", "infra.outage"), ("pct sh 100", "infra.outage")])
def test_more_classes_are_asked(command, rule, ctx):
    assert rule in _rules(command, ctx), (command, _rules(command, ctx))


@pytest.mark.parametrize("command", [
    "borg list /backups/repo", "borg create /backups/repo::a .", "restic snapshots", "restic check", "snapper list",
    "borg prune --dry-run --keep-within 7d repo", "journalctl -u nginx -n 50", "journalctl --disk-usage",
    "htpasswd -n alice", "grafana cli plugins ls", "loginctl list-sessions", "i3exit lock",
    "loginctl -H host -p Name show-session 3", "rpm-ostree status", "machinectl list", "lxc-stop --help", "ipcrm",
    "VBoxManage unregistervm vm1", "VBoxManage list vms"])
def test_more_look_alikes_pass(command, ctx):
    assert _rules(command, ctx) == [], (command, _rules(command, ctx))


@pytest.mark.parametrize("command,rule", [
    ("docker node rm node1", "infra.cli-delete"), ("docker secret rm db_pass", "infra.cli-delete"),
    ("docker config rm app_cfg", "infra.cli-delete"), ("docker service rm web", "infra.outage"),
    ("docker stack rm shop", "infra.outage"), ("docker swarm leave --force", "infra.outage"),
    ("sudo ip n f dev eth0", "sys.config-remove"), ("ip neigh del 10.0.0.1 dev eth0", "sys.config-remove"),
    ("ip route del 10.0.0.0/24", "infra.net-down"), ("systemctl preset-all", "sys.service-stop"),
    ("rabbitmqctl reset", "infra.cli-delete"), ("talosctl reset -n 10.0.0.2", "infra.cli-delete"),
    ("clamscan --remove -r .", "infra.cli-delete")])
def test_swarm_network_and_node_classes(command, rule, ctx):
    assert rule in _rules(command, ctx), (command, _rules(command, ctx))


@pytest.mark.parametrize("command", [
    "docker service ls", "docker secret ls", "docker node ls", "docker swarm leave", "docker stack deploy -c x.yml app",
    "ip neigh show", "ip route", "ip route add 10.0.0.0/24 via 10.0.0.1", "rabbitmqctl list_queues",
    "talosctl dmesg -n 10.0.0.2", "clamscan -r ."])
def test_swarm_network_and_node_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], (command, _rules(command, ctx))


# --- attack round on the kill-by-name rule and the package files ------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("pkill -f '.*'", "proc.kill-all"), ("pkill -f .", "proc.kill-all"),
    ("pkill -f 'node|.'", "proc.kill-by-name"),            # a dev word beside a pattern that matches anything
    ("pkill -f 'npm|firefox'", "proc.kill-by-name"),       # every alternative must be a dev process
    ("pkill -f 'nodemon|sshd'", "proc.kill-service"),      # a service hidden in an alternative
    ("pkill -f \"$PAT\"", "proc.kill-by-name"),            # only known when it runs: asked
    ("kill $(pgrep -f \"$NAME\")", "proc.kill-by-name"),
    ("pkcon -n remove foo", "pkg.remove-system"),          # -n is non-interactive for pkcon, not a dry run
    ("nala remove -y foo", "pkg.remove-system")])
def test_attack_round(command, rule, ctx):
    assert rule in _rules(command, ctx), (command, _rules(command, ctx))


# --- command runners' own sub-commands; boot entries ------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("doppler projects delete shop", "infra.cli-delete"), ("aws-vault remove prod", "infra.cli-delete"),
    ("op item delete 'DB password'", "infra.cli-delete"), ("infisical secrets delete API_KEY", "infra.cli-delete"),
    ("sudo grubby --update-kernel=ALL --remove-args quiet", "sys.config-remove"),
    ("limine-entry-tool --remove-os arch", "sys.config-remove"), ("sudo bootctl cleanup", "sys.config-remove")])
def test_runner_subcommands_and_boot_entries(command, rule, ctx):
    assert rule in _rules(command, ctx), (command, _rules(command, ctx))


@pytest.mark.parametrize("command", [
    "doppler run -- npm start", "aws-vault exec prod -- terraform plan", "mise uninstall node@18", "conda remove numpy",
    "nix-shell -p hello", "bootctl status", "grubby --info=ALL", "sudo grubby --update-kernel=ALL --args=quiet"])
def test_runner_and_boot_look_alikes(command, ctx):
    got = _rules(command, ctx)
    assert not {"infra.cli-delete", "sys.config-remove"} & set(got), (command, got)


# --- other version control: Mercurial, BFG -----------------------------------------------------------------
@pytest.mark.parametrize("command,rule", [
    ("hg update -C", "git.discard-changes"), ("hg up --clean default", "git.discard-changes"),
    ("hg revert --all", "git.discard-changes"), ("hg purge", "git.clean"), ("hg clean --all", "git.clean"),
    ("hg strip -r 42", "git.history-rewrite"), ("bfg --delete-files id_rsa", "git.history-rewrite"),
    ("bfg --strip-blobs-bigger-than 50M", "git.history-rewrite")])
def test_other_vcs_classes(command, rule, ctx):
    assert rule in _rules(command, ctx), (command, _rules(command, ctx))


@pytest.mark.parametrize("command", ["hg status", "hg remove path/to/file", "hg commit -m fix", "hg update default",
                                     "hg purge --print", "hg log -l 5", "bfg --help"])
def test_other_vcs_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], (command, _rules(command, ctx))


@pytest.mark.parametrize("command,rule", [
    ("sudo gpasswd -d alice sudo", "sys.credential-reset"), ("sudo usermod -r -G docker alice", "sys.credential-reset"),
    ("launchctl stop com.example.daemon", "sys.service-stop"), ("brew services stop postgresql@16", "sys.service-stop")])
def test_group_membership_and_mac_services(command, rule, ctx):
    assert rule in _rules(command, ctx), (command, _rules(command, ctx))


@pytest.mark.parametrize("command", ["sudo usermod -aG docker alice", "usermod --expiredate 2030-01-01 bob",
                                     "gpasswd -a alice docker", "brew services list", "brew services start redis",
                                     "launchctl list", "brew services restart nginx"])
def test_group_membership_and_mac_look_alikes(command, ctx):
    got = _rules(command, ctx)
    assert not {"sys.credential-reset", "sys.service-stop"} & set(got), (command, got)
