"""The generic verb model, by class, on made-up tools (none of these programs exist, in tldr or anywhere):
what a command-line tool Interlock has no knowledge file for is judged by — its verbs in every spelling,
its own name, its long options, pacman's removal flags, a retention rule, SQL handed to it, a jar run by
java — and the ordinary look-alikes that must stay silent.  Every catch asks (never denies) under the
default policy and says why, naming the word it was judged by."""

from __future__ import annotations

import pytest

from interlock.actions import SHELL, Action
from interlock.analysis.shell import clis
from interlock.engine import Context, analyze, evaluate


@pytest.fixture
def ctx(workspace, home, env):
    return Context(workspace, home=home, workspace=workspace, env=env)


def _findings(command, ctx):
    return analyze(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx)


def _rules(command, ctx):
    return sorted({f.rule for f in _findings(command, ctx)})


def _decision(command, ctx):
    return evaluate(Action(SHELL, {"command": command}, cwd=ctx.cwd), ctx).decision


# --- verbs in every spelling ------------------------------------------------------------------------

@pytest.mark.parametrize("command,word", [
    ("zorbit apps:destroy web", "apps:destroy"),                # oclif colon path
    ("zorbit instance.delete i-123", "instance.delete"),        # an API method
    ("zorbit compute instance.terminate i-123", "instance.terminate"),
    ("zorbit delete-instance i-123", "delete-instance"),        # hyphenated
    ("zorbit remove_user bob", "remove_user"),                  # underscored
    ("zorbit users rm bob", "rm"),
    ("zorbit site teardown example.org", "teardown"),           # a deployment taken away
    ("zorbit undeploy web", "undeploy"),
    ("zorbit deluser bob@example.org", "deluser"),
    ("zorbit table truncate events", "truncate"),
])
def test_verb_spellings(command, word, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert f"'{word}'" in fs[0].note and "zorbit" in fs[0].target
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit delete.txt", "zorbit open notes.delete.md", "zorbit rm.log", "zorbit fetch config.remove.json",
    "zorbit deletion-policy get", "zorbit list deleted", "zorbit describe delete-instance",
])
def test_verb_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], command


# --- the program's own name -------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "zorbit-destroy web", "zorbit_delete -n web", "removezorb alice", "deletequux 12", "zqrm 10", "zqxrm -a",
])
def test_a_name_that_says_it_deletes(command, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert "judged by its name" in fs[0].note


@pytest.mark.parametrize("command", [
    "zorbit-destroy", "zorbit-delete --help", "confirm x", "zqform 3", "perform x", "colrm 3 5",
    "./scripts/zorbit-delete.sh", "zorbit-stop", "removezorb",
])
def test_names_that_do_not(command, ctx):
    assert _rules(command, ctx) == [], command


# --- resets and uninstalls ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "zorbit fido factory-reset", "zorbit uninstall", "sudo zorbit uninstall somepkg", "zorbit uninit",
    "zorbit admin reset-admin-password s3cret", "sudo zorbit format /dev/sdz1", "doas zorbit uninstall somepkg",
])
def test_resets_and_uninstalls(command, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-reset"], command
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit uninstall somepkg", "zorbit uninstall -k com.example.app", "zorbit config reset theme",
    "zorbit reset", "zorbit format src/", "zorbit format --check", "zorbit uninstall --help",
    "zorbit reset-failed unit", "zorbit reset-stats", "sudo zorbit stop-timer",
])
def test_user_level_resets_pass(command, ctx):
    assert _rules(command, ctx) == [], command


# --- stopping: as root, or a server/node/VM ----------------------------------------------------------

@pytest.mark.parametrize("command", [
    "sudo zorbit stop", "sudo zorbit down web", "zorbit server stop", "zorbit node shutdown n1",
    "zorbit cluster nodepool evict c1 np1 n1", "sudo zorbit-stop", "sudo zorbit -n node1 stop_app",
    "sudo zorbit kill web", "zorbit db stop main",
])
def test_stops(command, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-stop"], command
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit stop", "zorbit stop web", "zorbit kill-server", "zorbit session stop", "zorbit-stop",
    "sudo zorbit restart web", "sudo zorbit start", "sudo zorbit status", "sudo zorbit stop --help",
    "zorbit server start", "sudo grub-reboot 2", "zorbit reboot",
])
def test_a_users_own_stops_pass(command, ctx):
    assert _rules(command, ctx) == [], command


# --- root-only verbs ----------------------------------------------------------------------------------

def test_flush_and_format_only_as_root(ctx):
    assert _rules("sudo zorbit flush", ctx) == ["infra.cli-delete"]
    assert _rules("zorbit flush", ctx) == []
    assert _rules("sudo zorbit format /dev/sdz", ctx) == ["infra.cli-reset"]
    assert _rules("zorbit format main.zz", ctx) == []


# --- long options -------------------------------------------------------------------------------------

@pytest.mark.parametrize("command,opt", [
    ("zorbit --delete-vm --vm vm1", "--delete-vm"),
    ("sudo zorbit --purge thing", "--purge"),                         # a bare --purge: as root only
    ("zorbit --remove somepkg", "--remove"),                          # a bare --delete/--remove: what it names
    ("zorbit --delete /zones/example.org/records/7", "--delete"),     # an API path is no file
    ("zorbit unregistervm vm1 --delete", "--delete"),
    ("zorbit --remove", "--remove"),
    ("zorbit -d db -S slot1 --drop-slot", "--drop-slot"),
    ("zorbit --key k --delete prod-db", "--delete"),                  # attack: an entry option beside a target
    ("zorbit --delete ~/old-notes", "--delete"), ("zorbit --remove ../other-project", "--remove"),  # not a local file
    ("zorbit --delete=/srv/data", "--delete"),
    ("zorbit thing --force-delete", "--force-delete"),
    ("zorbit --remove-all-storage vm1", "--remove-all-storage"),
    ("zorbit --wipe --target disk0", "--wipe"),
    ("sudo zorbit --autonuke /dev/sdz /dev/sdy", "--autonuke"),     # a device is no file edit
    ("sudo zorbit --delete=vm1", "--delete"),
    ("sudo zorbit snapshots --del --id 7", "--del"),
    ("zorbit --erase --target disk0", "--erase"),                     # a bare verb that never means an entry
])
def test_destructive_options(command, opt, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert f"'{opt}'" in fs[0].note
    named = command.split(opt, 1)[1].lstrip("=").split()  # what the option names is shown as its target
    if named and not named[0].startswith("-"):
        assert named[0] in fs[0].target, (command, fs[0].target)
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit --no-delete x", "zorbit --delete=false x", "zorbit --keep-deleted x", "zorbit run --rm img",
    "zorbit up --remove-orphans", "zorbit --remove-tag artist song.flac", "zorbit --delete-key k path/to/cfg.ini",
    "zorbit tunnel --remove tcp:8080", "zorbit forward --remove-all", "zorbit --delete x --dry-run",
    "zorbit --purge --simulate", "zorbit -- --delete x", "zorbit --deleted-items list", "zorbit --deletion-date x",
    "zorbit --purge", "zorbit --group g --key k --delete",  # a user's bare --purge; --delete of a named entry
    "zorbit --section s --remove", "zorbit conf texmf --delete somekey",  # an entry, a local group
    "zorbit --remove unused.txt", "zorbit --delete ./build", "zorbit --drop-caches --help",
])
def test_options_that_keep_or_edit_a_file(command, ctx):
    assert _rules(command, ctx) == [], command


# --- pacman's removal flags, retention rules ------------------------------------------------------------

@pytest.mark.parametrize("command", ["zpac -Rns foo", "zpac -Rs foo bar", "sudo zpac -Rsu foo", "zpac -Rc foo"])
def test_pacman_style_removal(command, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["pkg.remove-system"], command
    assert "pacman's removal flags" in fs[0].note


@pytest.mark.parametrize("command", ["zpac -Rns", "zpac -R dir", "zpac -Rv foo", "zpac -S foo", "zpac -Qs foo"])
def test_not_pacman_removal(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "zbackup prune --keep-last 3 repo", "zbackup forget -keep 0:30", "zbackup snapshots prune --keep-within 7d",
    "zbackup prune --max-age 30d",
])
def test_retention_pruning(command, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert "retention" in fs[0].note


@pytest.mark.parametrize("command", ["zbackup prune", "zbackup list --keep-last 3", "zbackup prune --keep-last 3 --dry-run"])
def test_pruning_without_retention_or_as_a_read(command, ctx):
    assert _rules(command, ctx) == [], command


# --- SQL handed to an unknown program -------------------------------------------------------------------

@pytest.mark.parametrize("command,rule", [
    ("zsql query data.db 'DROP TABLE users'", "db.drop-table"),
    ("zsql query data.db 'delete from users'", "db.delete-all"),
    ("zsql query data.db 'UPDATE users SET admin = 1'", "db.update-all"),
    ("zsql --sql 'select 1; drop table if exists a, b;' db", "db.drop-table"),
    ("zsql q db '/* cleanup */ TRUNCATE events'", "db.truncate"),
])
def test_sql_arguments(command, rule, ctx):
    got = _rules(command, ctx)
    assert any(r.startswith(rule) for r in got) or rule in got, (command, got)
    assert _decision(command, ctx) in ("ask", "deny")


@pytest.mark.parametrize("command", [
    "zsql query data.db 'select * from users'",
    "ztodo add 'drop table support for py2'", "ztodo add 'update readme set up later'",
    "ztodo add 'delete from the list'", "zsql -m 'drop table users' commit", "zsql --title 'DROP TABLE users' x",
])
def test_sql_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], command


def test_a_bounded_delete_is_a_write_the_sql_analysis_allows(ctx):
    command = "zsql query data.db 'delete from users where id = 3'"
    assert _rules(command, ctx) == ["db.write"] and _decision(command, ctx) == "allow"


# --- a jar is a program ---------------------------------------------------------------------------------

def test_java_jar_is_judged_as_its_jar(ctx):
    assert _rules("java -jar zorbit-cli-2.1.0.jar widgets delete w1", ctx) == ["infra.cli-delete"]
    fs = _findings("java -Xmx1g -jar lib/zorbit.jar server stop", ctx)
    assert [f.rule for f in fs] == ["infra.cli-stop"] and "zorbit" in fs[0].target
    for ok in ("java -jar app.jar", "java -jar app.jar --server.port=8080", "java -jar zorbit.jar widgets list",
               "java -cp lib/* Main delete"):
        assert _rules(ok, ctx) == [], ok


# --- reads stay silent ------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "zorbit list", "zorbit get widget", "zorbit show delete-policy", "zorbit describe instance.delete",
    "zorbit status", "zorbit info", "zorbit help delete", "zorbit delete --help", "zorbit --version",
    "zorbit delete w1 --dry-run", "zorbit delete w1 -n", "zorbit purge --pretend", "sudo zorbit stop --what-if",
])
def test_reads_stay_silent(command, ctx):
    assert _rules(command, ctx) == [], command


# --- the data -------------------------------------------------------------------------------------------

def test_every_generic_example_holds(ctx):
    g = clis.generic_model()
    assert len(g.examples) >= 40
    for command, rule in g.examples:
        got = _rules(command, ctx)
        assert (rule in got) if rule else got == [], (command, rule, got)


def test_a_generic_model_with_an_unknown_key_fails_closed(monkeypatch, ctx):
    monkeypatch.setitem(clis._MODELS, "generic.toml", clis.KnowledgeError("generic.toml: unknown keys ['colour']"))
    assert _decision("zorbit server stop", ctx) in ("ask", "deny")
    assert _decision("zorbit --purge x", ctx) in ("ask", "deny")


# --- attack round -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command,rule", [
    ("doas zorbit stop", "infra.cli-stop"),                            # another way to root
    ("sudo -E env FOO=1 zorbit stop", "infra.cli-stop"),
    ("sudo zorbit SERVER STOP", "infra.cli-stop"),                     # case
    ("zorbit SERVER STOP", "infra.cli-stop"),
    ("zorbit --verbose --region eu server stop", "infra.cli-stop"),    # options before the words
    ("/opt/zorbit/bin/zorbit --purge-all x", "infra.cli-delete"),       # a path to the program
    ("zorbit --PURGE-ALL x", "infra.cli-delete"),
    ("doas zorbit --purge x", "infra.cli-delete"),
    ("zorbit --force-delete=true x", "infra.cli-delete"),
    ("bash -c 'zorbit apps:destroy web'", "infra.cli-delete"),
    ("zorbit delete web -n prod", "infra.cli-delete"),                 # -n is not last: a value, not a dry run
    ("zsql q db 'select 1;DROP TABLE users'", "db.drop-table"),       # the statement after a ;
    ("zsql q db \"-- tidy\nDROP TABLE users\"", "db.drop-table"),     # after a comment line
    ("java -jar ./zorbit.jar apps:destroy web", "infra.cli-delete"),
    ("zsql q db '/* " + "x" * 20000 + " */ DROP TABLE users'", "db.drop-table"),  # a long comment before it
    ("sudo zpac -Rdd foo", None),                                      # -Rdd: no s/n/c, not pacman removal
    # root carried into the shell it starts
    ("sudo sh -c 'zorbit stop'", "infra.cli-stop"),
    ("sudo bash -c 'cd /tmp; zorbit --purge x'", "infra.cli-delete"),
    ("su -c 'zorbit stop'", "infra.cli-stop"),
    ("su - root -c 'zorbit stop'", "infra.cli-stop"),
    ("sudo -i zorbit stop", "infra.cli-stop"),
    ("run0 zorbit stop", "infra.cli-stop"),
    ("runuser -u root -- zorbit stop", "infra.cli-stop"),
])
def test_attacks(command, rule, ctx):
    got = _rules(command, ctx)
    if rule is None:
        assert "pkg.remove-system" not in got, (command, got)
    else:
        assert rule in got, (command, got)


@pytest.mark.parametrize("command", [
    "sh -c 'zorbit stop'", "su alice -c 'zorbit stop'", "sudo sh -c 'true' && zorbit stop",
    "bash -c 'zorbit --purge x'",
])
def test_root_does_not_leak_out_of_its_shell(command, ctx):
    assert _rules(command, ctx) == [], command


# --- abbreviated sub-commands, machines named before a stop ------------------------------------------

@pytest.mark.parametrize("command,word", [
    ("zqm des 100", "des"), ("zqm des 100 --purge", "des"), ("sudo zqm dest 101", "dest"),
    ("zorbit k c d cluster1", "d"), ("zorbit a d app-1", "d"), ("zorbit compute d d droplet-1", "d"),
    ("sudo zorbit su d path/to/subvolume", "d"),
])
def test_abbreviated_verbs(command, word, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-delete"], command
    assert f"judged by its verb '{word}' (short for '" in fs[0].note
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit d", "zorbit d app-1", "zorbit compute d c web", "zorbit d ls", "zorbit k c d", "zorbit k c d -x",
    "zorbit describe 100", "zorbit dest", "zorbit d list --user u", "zorbit deploy d app",
    "zorbit rem origin", "zorbit ter 100", "zorbit dec 3",
])
def test_abbreviation_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "zorbit controlvm vm1 poweroff", "zorbit controlvm vm1 savestate", "zorbit vm stop vm1",
    "zorbit servers web-1 shutdown",
])
def test_a_machine_named_before_a_stop(command, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == ["infra.cli-stop"], command
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit stop", "zorbit stop app", "zorbit savestate", "zorbit lovm stop x", "zorbit controlvm vm1 resume",
    "zorbit player stop", "zorbit env stop",
])
def test_stops_without_a_machine_pass(command, ctx):
    assert _rules(command, ctx) == [], command


def test_an_environment_is_not_a_local_group(ctx):
    # `env` names a deployment environment of a hosted tool (`pulumi env rm`), not a local virtualenv (those
    # tools are local programs: `conda env remove`, `hatch env remove`)
    assert _rules("zorbit env rm staging", ctx) == ["infra.cli-delete"]
    assert _rules("conda env remove -n old", ctx) == []
    assert _rules("hatch env remove test", ctx) == []


@pytest.mark.parametrize("command,rule", [
    ("zqm stop 100", "infra.cli-stop"), ("zqm reb 101 --timeout 10", "infra.cli-stop"),  # a machine by its number
    ("sudo zbr delif br0 eth0", "infra.cli-delete"), ("zorbit --deldev /dev/sdz1", "infra.cli-delete"),
    ("zorbit --delpvid abc123", "infra.cli-delete"),                                       # a verb glued to its object
    ("ztpm pcrreset 23", "infra.cli-reset"), ("zorbit userdelete alice", "infra.cli-delete"),
    ("zemu --delete-vm --vm path/to/vm.conf", "infra.cli-delete"),                       # the file names the machine
    ("zemu --delete-disk --vm path/to/vm.conf", "infra.cli-delete"),
])
def test_numbers_glued_verbs_and_objects(command, rule, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == [rule], command
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zqm stop", "zqm stop app", "zqm start 100", "zjupyter notebook stop 8888", "zvol down 5", "zqm status 100", "zqm reb", "zorbit --delay 5 run",
    "zorbit delta 3", "zorbit --delimiter , x.csv", "zorbit delegate bob", "zorbit autoremove", "zorbit undelete x",
    "zorbit --nostop x", "zorbit kill SIGKILL", "zorbit --remove-tag t --image path/to/a.flac",
    "zorbit deliver 3", "zorbit --delete-key k path/to/cfg.ini",
    # names that start with a verb, values are no glued verbs
    "zorbit deploy --region delhi", "zorbit -r delhi deploy", "zorbit deploy delhi", "zorbit open delores",
    "zorbit --mode pcrreset run",
])
def test_numbers_glued_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "zorbit repo remove myrepo", "zorbit auth remove --context ctx1", "zorbit channel remove news",
    "zorbit repository:remove https://example.org/repo", "sudo zorbit path remove", "zorbit mirrors remove m1",
])
def test_an_entry_off_a_tools_list_passes(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "zorbit repo delete myrepo", "zorbit repos destroy myrepo", "zorbit keys remove k1", "zorbit channel purge news",
    "zorbit repository:delete acme/app", "zorbit repo rm acme/app",
])
def test_deleting_the_thing_itself_still_asks(command, ctx):
    assert _rules(command, ctx) == ["infra.cli-delete"], command


@pytest.mark.parametrize("command,rule", [
    ("zcoin-cli stop", "sys.service-stop"), ("zmqctl -n node1 stop_app", "sys.service-stop"),
    ("zchain-cli reset 1000", "infra.cli-reset"), ("zosctl reset -n 10.0.0.5", "infra.cli-reset"),
    ("zorb-client shutdown", "sys.service-stop"),
])
def test_a_servers_client_stopping_or_resetting_it(command, rule, ctx):
    fs = _findings(command, ctx)
    assert [f.rule for f in fs] == [rule], command
    assert "server's client" in fs[0].note
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zcoin-cli getbalance", "zcoin-cli help stop", "zaudio-ctl down 5", "zhyprctl sunset reset gamma",
    "zcoin-cli start", "zorbit reset", "zcoin-cli stop --help",
])
def test_a_clients_ordinary_commands_pass(command, ctx):
    assert _rules(command, ctx) == [], command


def test_a_dev_vm_deleted_asks_stopped_passes(ctx):
    assert _rules("limactl remove devbox", ctx) == ["infra.cli-delete"]
    assert _rules("multipass delete devbox", ctx) == ["infra.cli-delete"]
    for command in ("limactl stop devbox", "colima stop", "multipass restart devbox", "limactl list"):
        assert _rules(command, ctx) == [], command


def test_a_service_option_is_the_service_group(ctx):
    assert _rules("ZorbHome --service stop", ctx) == ["sys.service-stop"]
    assert _rules("ZorbHome --service=uninstall", ctx) == ["sys.service-stop"]
    assert _rules("ZorbHome --service start", ctx) == []
    assert _rules("ZorbHome --service status", ctx) == []


def test_a_reset_counts_on_a_machine_only(ctx):
    assert _rules("zqm reset 100", ctx) == ["infra.cli-reset"]
    assert _rules("zbox controlvm vm1 reset", ctx) == ["infra.cli-reset"]
    assert _rules("zwp db reset --yes", ctx) == ["infra.cli-reset"]    # a database's tables, not a stop
    for command in ("zconf reset some-setting", "zorbit reset", "zorbit settings reset 3", "zorbit reset --all"):
        assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command,rule", [
    ("ztg -n s1 -u 42 -m delete --text hello", "infra.cli-delete"), ("ztg -m deleteall --text q", "infra.cli-delete"),
    ("sudo zsquid -k shutdown", "infra.cli-stop"),
])
def test_a_short_options_mode(command, rule, ctx):
    assert _rules(command, ctx) == [rule], command


@pytest.mark.parametrize("command", [
    "zclone -n delete remote:path", "zfw -j DROP", "zcurl -X DELETE", "zsquid -k shutdown", "zbat -c poweroff",
    "ztg -m delete --help", "ztg -m 'delete old files'", "zjj describe -m delete",
])
def test_short_option_values_that_pass(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command", [
    "zqm des 100 --help", "zqm des 100 --dry-run", "zqm help des 100", "zorbit list --remove", "zorbit get d ls",
    "zorbit describe controlvm vm1 poweroff", "zqm stop 100 --dry-run", "zorbit show k c d cluster1",
    "zcoin-cli stop --help", "zorbit --remove pkg --simulate", "zorbit status 100", "zorbit info --delete",
])
def test_the_new_readings_stay_silent_on_help_reads_and_rehearsals(command, ctx):
    assert _rules(command, ctx) == [], command


@pytest.mark.parametrize("command,rule", [
    ("linode-cli linodes rebuild 123 --delete-all-disks", "infra.cli-delete"),   # an option no entry names
    ("openstack server rebuild web --wipe", "infra.cli-delete"),
    ("linode-cli sql 'DROP TABLE users'", "db.drop-table"),                       # SQL handed to it
])
def test_a_known_tools_unnamed_commands_get_the_whole_generic_model(command, rule, ctx):
    assert _rules(command, ctx) == [rule], command


@pytest.mark.parametrize("command", [
    "linode-cli linodes list", "openstack server list --purge-all", "openstack --help", "linode-cli linodes view 1",
])
def test_a_known_tools_reads_stay_silent(command, ctx):
    assert _rules(command, ctx) == [], command


# --- API actions spelled in CamelCase (verb first: Alibaba Cloud, Tencent Cloud, Huawei Cloud style) ---------

@pytest.mark.parametrize("command,rule", [
    ("zorbit ecs DeleteInstance --InstanceId i-123", "infra.cli-delete"),
    ("zorbit rds DeleteDBInstance --DBInstanceId rm-1", "infra.cli-delete"),       # an acronym inside
    ("zorbit cvm TerminateInstances --InstanceIds x", "infra.cli-delete"),
    ("zorbit kms RevokeGrant --KeyId k", "infra.cli-delete"),
    ("zorbit cvm StopInstances --InstanceIds x", "infra.cli-stop"),                 # the machine is in the word
    ("zorbit ecs RebootInstance --InstanceId i-1", "infra.cli-stop"),
    ("zorbit ram ResetPassword --UserName bob", "infra.cli-reset"),
])
def test_camel_case_api_actions(command, rule, ctx):
    assert _rules(command, ctx) == [rule], command
    assert _decision(command, ctx) == "ask"


@pytest.mark.parametrize("command", [
    "zorbit ecs DescribeInstances", "zorbit ecs CreateInstance --ImageId x", "zorbit ListDeletedItems",
    "zorbit DownloadFile x", "zorbit StopTimer", "zorbit cvm StartInstances --InstanceIds x",
    "zorbit cdb RestartDBInstances --InstanceIds x", "zorbit open DeleteMe.txt",
])
def test_camel_case_look_alikes(command, ctx):
    assert _rules(command, ctx) == [], command
