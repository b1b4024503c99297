"""False-alarm classes found on commands real coding agents ran (bench/agentcmds, tune split), each
tested by the class: ordinary variants pass, the dangerous look-alikes of the same shape stay caught
with a reason that says what they do."""

from __future__ import annotations

import pytest

from interlock.actions import SHELL, Action
from interlock.engine import Context, evaluate


def check(command, workspace, home, env, want, rule=None):
    ctx = Context(workspace, home=home, workspace=workspace, env=env)
    d = evaluate(Action(SHELL, {"command": command}, cwd=workspace), ctx)
    assert d.decision == want, (command, d.decision, d.reasons)
    if rule:
        assert rule in d.rules, (command, d.rules)
    return d


def cases(passes, caught):
    return [pytest.param(c, "allow", None, id=c[:60]) for c in passes] + \
        [pytest.param(c, w, r, id=c[:60]) for c, w, r in caught]


def _plain_env(env):
    return {k: v for k, v in env.items() if k in ("PATH", "HOME", "INTERLOCK_HOME", "INTERLOCK_DAEMON",
                                                 "XDG_CONFIG_HOME", "LANG")}


# --- `env | grep` with alternatives, each anchored: names, not a dump -------------------------------

ENV_ALTERNATIVES = cases(
    ['env | rg "^BROWSERSLIST|^BROWSER"', 'env | grep -E "^NODE|^PYTHON"', "env | grep '^LANG=\\|^LC_ALL='",
     'printenv | grep -E "^PATH=|^SHELL="', 'set | grep -E "^BASH_VERSION|^HOSTNAME$"'],
    [('env | grep -E "^TOKEN|^BROWSER"', "deny", "secrets.env-dump"),
     ('env | rg "^AWS_|^BROWSER"', "deny", "secrets.env-dump"),
     ('env | grep -E "^NODE|.*"', "deny", "secrets.env-dump"),   # an alternative that fits every line
     ('env | grep -E "^NODE|"', "deny", "secrets.env-dump"),     # an empty alternative: every line
     ('env | grep -vE "^NODE|^PYTHON"', "deny", "secrets.env-dump"),
     ('env | grep -E "^NODE|^API_KEY"', "deny", "secrets.env-dump")])


@pytest.mark.parametrize("command,want,rule", ENV_ALTERNATIVES)
def test_env_filtered_to_anchored_alternatives(command, want, rule, workspace, home, env):
    check(command, workspace, home, _plain_env(env), want, rule)


def test_an_alternative_that_fits_a_secret_in_the_real_environment_is_a_dump(workspace, home, env):
    env = dict(_plain_env(env), BROWSER_SESSION_TOKEN="x" * 24)
    d = check('env | rg "^BROWSERSLIST|^BROWSER"', workspace, home, env, "deny", "secrets.env-dump")
    assert any("variables matching BROWSER" in r for r in d.reasons), d.reasons


# --- a search that prints only names or counts reads no secret of the files it opens -----------------

NAMES_ONLY = cases(
    ['grep -rilE "LunaCore|cheatsheet" ~/.claude --include="*.json" --include="*.md"',
     'find ~/.claude/plugins/cache/tools -name "*.json" | xargs grep -l "playwright" 2>/dev/null',
     'grep -rc "statusLine" ~/.config --include="*.json"', 'rg -l "playwright" ~/.config -g "*.json"',
     'find ~/.config -name "*.json" | xargs grep -q "mcpServers" && echo found'],
    [  # the same searches printing lines: the files they select may hold secrets
     ('grep -riE "LunaCore|cheatsheet" ~/.claude --include="*.json"', "deny", "secrets.read-file"),
     ('find ~/.claude/plugins/cache/tools -name "*.json" | xargs grep "playwright"', "deny", "secrets.read-file"),
     # names-only, but aimed at credentials: a hunt
     ('grep -rl "sk-ant" ~/.claude --include="*.json"', "deny", "secrets.read-file"),
     ('find ~/.config -name "*.json" | xargs grep -l token', "deny", "secrets.read-file"),
     # rg -L follows links and prints lines: not grep -L
     ('rg -L "playwright" ~/.config -g "*.json"', "deny", "secrets.read-file"),
     # a file that holds secrets by name stays a read, whatever is printed
     ("grep -c BEGIN ~/.ssh/id_rsa", "deny", "secrets.read-file"),
     ("grep -l aws_secret ~/.aws/credentials", "deny", "secrets.read-file")])


@pytest.mark.parametrize("command,want,rule", NAMES_ONLY)
def test_a_search_printing_names_only(command, want, rule, workspace, home, env):
    check(command, workspace, home, env, want, rule)


# --- a search whose --include/-g selects the workspace's secret files prints their lines ------------

def test_a_search_selecting_env_files_in_the_workspace_reads_them(workspace, home, env):
    import os

    with open(os.path.join(workspace, ".env"), "w") as fh:
        fh.write("DATABASE_URL=postgres://app:s3cret@db/app\n")
    with open(os.path.join(workspace, ".env.example"), "w") as fh:
        fh.write("DATABASE_URL=postgres://user:password@localhost/app\n")
    for command in ['grep -r postgres . --include="*.env*"', 'grep -rn deepseek . --include="*.env*" --include="*.py"',
                    'rg --hidden -g "*.env" postgres .']:
        d = check(command, workspace, home, env, "deny", "secrets.read-file")
        assert any(".env" in r and "selects it" in r for r in d.reasons), d.reasons
    # the same searches that print no line of it, or select no file that holds secrets: ordinary
    for command in ['grep -rl postgres . --include="*.env*"', 'grep -r postgres . --include="*.example"',
                    'grep -r postgres . --include="*.py"', 'rg -g "*.env" postgres .',  # rg skips hidden files
                    'grep -rn postgres src --include="*.env*"']:
        check(command, workspace, home, env, "allow")


def test_a_search_selecting_env_files_where_there_are_none_reads_none(workspace, home, env):
    import os

    os.remove(os.path.join(workspace, ".env"))
    check('grep -r postgres . --include="*.env*"', workspace, home, env, "allow")


def test_a_broad_include_that_a_secret_file_also_fits_reads_no_more_than_the_search(workspace, home, env):
    import os

    os.makedirs(os.path.join(workspace, "config"))
    with open(os.path.join(workspace, "config", "secrets.yaml"), "w") as fh:
        fh.write("stripe:\n  secret_key: sk_live_" + "x" * 24 + "\n")
    # `*.yaml` is every YAML file, not an aim at secrets.yaml: as `grep -r PATTERN .` without it
    check('grep -r "paradedb:5432\\|db_host" . --include="*.yml" --include="*.yaml" --include="*.ts"',
          workspace, home, env, "allow")
    check('grep -rn "secrets" . --include="secrets.yaml"', workspace, home, env, "deny", "secrets.read-file")


# --- killing the project's own program by name, then starting it again: a restart --------------------

RESTARTS = cases(
    ['pkill -f "presenter-server" 2>/dev/null || true\nPRESENTER_PORT=8080 cargo run -p presenter-server 2>&1 &\nsleep 3',
     'pkill -9 -f "presenter-server" 2>/dev/null; sleep 1; PORT=8080 cargo run -p presenter-server 2>&1 &',
     "pkill -f my-api; ./target/release/my-api --port 8080 &", "pkill -f srv && go run ./cmd/srv",
     "killall api-gateway; cargo run --bin api-gateway"],
    [("pkill -9 -f presenter-server 2>/dev/null || true; sleep 2", "ask", "proc.kill-by-name"),  # no restart seen
     ("pkill firefox; firefox &", "ask", "proc.kill-by-name"),            # a program on PATH, not the project's
     ("pkill -f thunderbird; cargo run -p other &", "ask", "proc.kill-by-name"),
     ("pkill -f presenter-server; echo presenter-server restarted", "ask", "proc.kill-by-name"),
     ("pkill postgres; ./bin/postgres -D data &", "ask", "proc.kill-service")])


@pytest.mark.parametrize("command,want,rule", RESTARTS)
def test_killing_and_starting_again_the_projects_program(command, want, rule, workspace, home, env):
    check(command, workspace, home, env, want, rule)


# --- a secret file read through a stage that keeps only names or counts --------------------------------

def test_names_or_counts_of_a_dotenv_file_are_not_its_values(workspace, home, env):
    import os

    with open(os.path.join(workspace, ".env"), "w") as fh:
        fh.write("# local settings\nMYSQL_USER=app\nMYSQL_PASSWORD=s3cret-pass\n\nDEBUG=1\n")
    for command in ['grep -E "^MYSQL_" .env | cut -d= -f1', "grep -E '^[A-Z]' .env | cut -d'=' -f1",
                    "cat .env | cut -d '=' -f 1 | sort", "cat .env | wc -l"]:
        check(command, workspace, home, env, "allow")
    for command in ["cat .env | cut -d= -f2", 'grep DB .env | cut -d= -f1,2', "cat .env | cut -c1-200",
                    "cat .env", "grep MYSQL .env | cut -d: -f1", "cat .env > copy.txt | cut -d= -f1"]:
        check(command, workspace, home, env, "deny", "secrets.read-file")


def test_a_line_without_equals_passes_cut_whole_so_the_file_is_still_read(workspace, home, env):
    import os

    # a multi-line value: its body lines hold no `=`, and `cut -d= -f1` prints them whole
    with open(os.path.join(workspace, ".env"), "w") as fh:
        fh.write('API_URL=https://x\nPRIVATE_KEY="-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\n'
                 '-----END PRIVATE KEY-----"\n')
    check("cat .env | cut -d= -f1", workspace, home, env, "deny", "secrets.read-file")
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    with open(os.path.join(home, ".ssh", "id_ed25519"), "w") as fh:
        fh.write("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----\n")
    check("cat ~/.ssh/id_ed25519 | cut -d= -f1", workspace, home, env, "deny", "secrets.read-file")
