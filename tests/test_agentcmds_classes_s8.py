"""More classes found on commands real coding agents ran (bench/agentcmds, tune split, eighth session),
each tested by the class: ordinary variants pass, the look-alikes of the same shape that do harm stay
caught, with a reason that says what they do."""

from __future__ import annotations

import os
import tomllib

import pytest

from interlock.actions import SHELL, Action
from interlock.engine import Context, evaluate

KNOWLEDGE = os.path.join(os.path.dirname(__file__), "..", "src", "interlock", "knowledge")


def check(command, workspace, home, env, want, rule=None):
    ctx = Context(workspace, home=home, workspace=workspace, env=env)
    d = evaluate(Action(SHELL, {"command": command}, cwd=workspace), ctx)
    assert d.decision == want, (command, d.decision, d.reasons)
    if rule:
        assert rule in d.rules, (command, d.rules)
    return d


# --- cache trees in the home directory (knowledge/caches.toml) --------------------------------------------

def _cache_examples():
    with open(os.path.join(KNOWLEDGE, "caches.toml"), "rb") as fh:
        data = tomllib.load(fh)
    return [pytest.param(c, w, id=c[:60]) for c, w in data["examples"]]


@pytest.mark.parametrize("command,want", _cache_examples())
def test_cache_tree_examples(command, want, workspace, home, env):
    d = check(command, workspace, home, env, want)
    if want == "allow":
        assert d.rules == ["fs.delete-regenerable"] or set(d.rules) == {"fs.delete-regenerable"}, d.rules
    else:
        assert "fs.delete-outside-workspace" in d.rules or "fs.delete-home" in d.rules, d.rules


@pytest.mark.parametrize("command", [
    "rm -rf /Users/danny/Library/Caches/org.swift.swiftpm 2>&1 || true && "
    "rm -rf /Users/danny/Library/Developer/Xcode/DerivedData/MindFriendApp* 2>&1 || true",
    "rm -rf ~/Library/Developer/Xcode/DerivedData && mkdir -p ~/Library/Developer/Xcode/DerivedData",
    "find ~/Library/Caches/pip -name '*.whl' -delete",
    "rm -rf ~/.npm/_npx/1a2b3c",
])
def test_deleting_a_cache_tree_passes(command, workspace, home, env):
    command = command.replace("/Users/danny", home)
    check(command, workspace, home, env, "allow")


@pytest.mark.parametrize("command", [
    "rm -rf ~/Library/Caches/../Preferences",          # out of the tree again
    "rm -rf ~/Library/Application\\ Support",           # the user's own data, not a cache
    "rm -rf ~/Library/Mobile\\ Documents",              # iCloud Drive
    "rm -rf ~/.cargo",                                  # holds the installed tools, not only the registry
    "rm -rf ~/Documents/Caches/thesis",                 # a folder named Caches elsewhere in home
])
def test_look_alikes_of_cache_trees_stay_denied(command, workspace, home, env):
    d = check(command, workspace, home, env, "deny", "fs.delete-outside-workspace")
    assert not any("regenerat" in r for r in d.reasons), d.reasons


def test_a_link_in_a_cache_tree_is_still_only_the_link(workspace, home, env):
    # `rm -rf LINK` removes the link; through `LINK/` it would reach what the link points at
    caches = os.path.join(home, "Library", "Caches")
    os.makedirs(caches)
    os.symlink(os.path.join(home, "Documents"), os.path.join(caches, "docs"))
    check("rm -rf ~/Library/Caches/docs", workspace, home, env, "allow")


# --- a secret file read through stages that keep only the names before `=` ------------------------------

@pytest.fixture
def dotenv(workspace):
    with open(os.path.join(workspace, ".env.local"), "w") as fh:
        fh.write("# local\nSUPABASE_URL=https://x.supabase.co\nSUPABASE_SERVICE_ROLE_KEY=eyJhbGciOi=abc\n\n")
    return workspace


@pytest.mark.parametrize("command", [
    "grep -v '^#' .env.local | grep '=' | sed 's/=.*/=<set>/' 2>&1",
    "cat .env.local | sed 's/=.*//'",
    "cat .env.local | sed -e 's|=.*$||' | sort",
    "grep -v '^#' .env.local | sort | uniq | cut -d= -f1",
    "grep -iv '^#' .env.local | head -20 | sed -E 's/=.*/=***/g'",
    "cat .env.local | grep -c =",
])
def test_names_only_through_line_filters(command, dotenv, home, env):
    check(command, dotenv, home, env, "allow")


@pytest.mark.parametrize("command", [
    "cat .env.local | sed 's/=\\(.*\\)/=\\1/'",          # a back-reference keeps the value
    "cat .env.local | sed 's/=.*/&/'",                  # & is the matched text: the value again
    "cat .env.local | sed 's/^[^=]*=//'",               # drops the names, keeps the values
    "cat .env.local | grep -o 'KEY=.*' | sed 's/=.*//' ; cat .env.local",
    "cat .env.local | grep -o '=.*' | cut -d= -f1,2",   # parts of lines, then the value
    "cat .env.local | head -5",
    "cat .env.local | sed 's/=.*//' > names.txt; cat .env.local | tee copy",
    "cat .env.local | sed -n 's/=.*//p;p'",             # a second command prints every line
])
def test_values_that_reach_the_output_are_still_a_read(command, dotenv, home, env):
    check(command, dotenv, home, env, "deny", "secrets.read-file")


def test_a_file_with_lines_without_equals_is_still_read_through_sed(workspace, home, env):
    with open(os.path.join(workspace, ".env"), "w") as fh:
        fh.write('A=1\nPRIVATE_KEY="-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B==\n-----END PRIVATE KEY-----"\n')
    # the body line holds `==`: grep = lets it through and sed prints what comes before it
    check("cat .env | grep = | sed 's/=.*//'", workspace, home, env, "deny", "secrets.read-file")


# --- coding agents driven from the shell (knowledge/clis/claude.toml, gemini.toml, codex.toml) ------------

@pytest.mark.parametrize("command,rule", [
    ('cd /tmp && gemini -p "read workspace.md and do the task" --approval-mode yolo 2>&1', "agent.approvals-off"),
    ("gemini --yolo -p 'fix it'", "agent.approvals-off"),
    ("claude --dangerously-skip-permissions -p 'refactor src'", "agent.approvals-off"),
    ("codex exec --dangerously-bypass-approvals-and-sandbox 'fix the tests'", "agent.approvals-off"),
    ("codex exec --sandbox danger-full-access 'x'", "agent.approvals-off"),
    ('claude mcp add --transport http supabase "https://mcp.supabase.com/mcp?project_ref=abc"', "agent.config-change"),
    ("claude mcp add --transport http --scope user supabase https://mcp.supabase.com/mcp 2>&1", "agent.config-change"),
    ("claude mcp remove supabase 2>&1", "agent.config-change"),
    ("claude plugin install /Users/m/claude-workflow", "agent.config-change"),
    ("claude plugin uninstall project-starter 2>&1 || true", "agent.config-change"),
    ("codex mcp add docs -- npx -y docs-server", "agent.config-change"),
    ("gemini extensions install https://github.com/o/ext", "agent.config-change"),
])
def test_agents_with_approvals_off_or_their_configuration_changed_are_asked(command, rule, workspace, home, env):
    d = check(command, workspace, home, env, "ask", rule)
    assert not any("treated as prod" in r for r in d.reasons), d.reasons  # no deployment environment here


@pytest.mark.parametrize("command", [
    "gemini --help 2>&1 | head -40",
    'echo "do the task" | gemini --model gemini-2.5-pro 2>&1',
    "gemini -p 'summarise README.md' --approval-mode auto_edit",
    "claude mcp list 2>&1 | grep -i supabase",
    "claude mcp add --help",
    "claude plugin marketplace update claude-workflow",
    "claude -p 'explain this diff' --permission-mode plan",
    "command -v codex && codex --version 2>/dev/null || echo 'codex not found'",
    "codex exec 'fix the failing tests'",
    "codex mcp list",
])
def test_ordinary_agent_runs_pass(command, workspace, home, env):
    check(command, workspace, home, env, "allow")


# --- writes into a coding agent's own configuration (knowledge/agent_config.toml) --------------------------

def _agent_config_examples():
    with open(os.path.join(KNOWLEDGE, "agent_config.toml"), "rb") as fh:
        data = tomllib.load(fh)
    return [pytest.param(e[0], e[1], e[2] if len(e) > 2 else None, id=e[0][:60]) for e in data["examples"]]


@pytest.fixture
def agent_home(home):
    for d in (".claude/hooks", ".claude/helpers", ".claude/projects/-home-dev-app/memory", ".codex", ".cursor"):
        os.makedirs(os.path.join(home, d), exist_ok=True)
    with open(os.path.join(home, ".claude", "hooks", "track-context.js"), "w") as fh:
        fh.write("console.log(1)\n")
    with open(os.path.join(home, ".claude", "helpers", "statusline.cjs"), "w") as fh:
        fh.write("console.log(1)\n")
    with open(os.path.join(home, ".claude.json"), "w") as fh:
        fh.write("{}\n")
    return home


@pytest.mark.parametrize("command,want,rule", _agent_config_examples())
def test_agent_config_examples(command, want, rule, workspace, agent_home, env):
    d = check(command, workspace, agent_home, env, want, rule)
    if want == "ask" and rule is None:
        assert "agent.config-change" in d.rules, d.rules
        assert any("coding agent's own configuration" in r for r in d.reasons), d.reasons


def test_every_token_file_is_agent_configuration():
    from interlock.analysis.paths import agent_configuration

    known = agent_configuration()
    assert known.token_files and len(known.token_files) == len(set(known.token_files))
    for f in known.token_files:
        assert any(f == t or f.startswith(t + "/") for t in known.trees), f
        assert not any(f == s or f.startswith(s + "/") for s in known.state), f


@pytest.mark.parametrize("command", [
    "chmod 755 ~/.claude/hooks/track-context.js",
    "tee ~/.claude/CLAUDE.md < README.md",
    "echo 'use pnpm' | tee -a ~/.gemini/GEMINI.md",
    "install -m 755 scripts/ok.sh ~/.claude/hooks/ok.sh",
    "cp -r scripts ~/.claude/skills/",
])
def test_writes_into_agent_configuration_are_asked(command, workspace, agent_home, env):
    check(command, workspace, agent_home, env, "ask", "agent.config-change")


@pytest.mark.parametrize("command", [
    "chmod 600 ~/.claude/hooks/track-context.js",        # only takes rights away
    "chmod 644 ~/.claude.json",
    "cat ~/.claude/hooks/track-context.js | head -20",
    "ls ~/.claude/projects/-home-dev-app/memory/",
    "cp ~/.claude/helpers/statusline.cjs src/statusline.cjs",  # a copy out of it, into the project
    "diff ~/.claude/helpers/statusline.cjs src/app.py",
])
def test_reading_or_tightening_agent_configuration_passes(command, workspace, agent_home, env):
    check(command, workspace, agent_home, env, "allow")


def test_a_project_that_is_the_agents_configuration_repo_is_the_project(tmp_path, env):
    # the user keeps ~/.claude in git and works on it: it is the workspace, not "outside the project"
    home = str(tmp_path / "home" / "dev")
    ws = os.path.join(home, ".claude")
    os.makedirs(os.path.join(ws, "hooks"))
    with open(os.path.join(ws, "hooks", "guard.js"), "w") as fh:
        fh.write("x\n")
    check("chmod +x hooks/guard.js && cp hooks/guard.js hooks/guard2.js", ws, home, dict(env, HOME=home), "allow")


# --- deleting project files that git holds unchanged ----------------------------------------------------

def _commit_all(ws):
    import subprocess

    subprocess.run("git add -A && git -c user.email=t@e -c user.name=t -c commit.gpgsign=false commit -qm base",
                   shell=True, cwd=ws, check=True, capture_output=True)


@pytest.mark.parametrize("command", [
    "rm -f README.md src/app.py",
    "rm -rf src/lib",
    "cd src && rm app.py ../README.md",
    "rm -r scripts/ && ls",
    "git rm -q --cached README.md; rm README.md",
])
def test_deleting_files_git_holds_unchanged_passes(command, workspace, home, env):
    _commit_all(workspace)
    check(command, workspace, home, env, "allow")


def test_what_git_does_not_hold_is_still_asked(workspace, home, env):
    _commit_all(workspace)
    import subprocess

    run = dict(shell=True, cwd=workspace, check=True, capture_output=True)
    with open(os.path.join(workspace, "src", "app.py"), "a") as fh:       # modified, not staged
        fh.write("print('more')\n")
    check("rm -f src/app.py", workspace, home, env, "ask", "fs.delete-source")
    check("rm -rf src", workspace, home, env, "ask", "fs.delete-source")
    with open(os.path.join(workspace, "src", "lib", "new.py"), "w") as fh:  # untracked, in a clean directory
        fh.write("NEW = 1\n")
    check("rm -rf src/lib", workspace, home, env, "ask", "fs.delete-source")
    os.remove(os.path.join(workspace, "src", "lib", "new.py"))
    with open(os.path.join(workspace, ".gitignore"), "w") as fh:           # ignored files are not in git either
        fh.write("*.local\n")
    with open(os.path.join(workspace, "src", "lib", "keys.local"), "w") as fh:
        fh.write("K=1\n")
    check("rm -rf src/lib", workspace, home, env, "ask", "fs.delete-source")
    os.remove(os.path.join(workspace, "src", "lib", "keys.local"))
    with open(os.path.join(workspace, "README.md"), "a") as fh:            # staged: the index differs from HEAD
        fh.write("more\n")
    subprocess.run("git add README.md", **run)
    check("rm README.md", workspace, home, env, "ask", "fs.delete-source")


def test_a_change_git_was_told_to_ignore_is_still_seen(workspace, home, env):
    # assume-unchanged / skip-worktree make `git status` blind to a change: the files on disk are hashed
    _commit_all(workspace)
    import subprocess

    subprocess.run("git update-index --assume-unchanged README.md && git update-index --skip-worktree src/app.py",
                   shell=True, cwd=workspace, check=True)
    for name in ("README.md", os.path.join("src", "app.py")):
        with open(os.path.join(workspace, name), "a") as fh:
            fh.write("local work\n")
    check("rm README.md", workspace, home, env, "ask", "fs.delete-source")
    check("rm src/app.py", workspace, home, env, "ask", "fs.delete-source")


def test_the_repositorys_own_config_runs_nothing_while_judging(workspace, home, env, tmp_path):
    # core.fsmonitor and clean filters are commands git would run on `git status`: Interlock never asks
    # git for the working tree's state, only for what it recorded
    _commit_all(workspace)
    import subprocess

    marker = tmp_path / "ran"
    subprocess.run(["git", "config", "core.fsmonitor", f"touch {marker}; false"], cwd=workspace, check=True)
    subprocess.run(["git", "config", "filter.x.clean", f"touch {marker}; cat"], cwd=workspace, check=True)
    with open(os.path.join(workspace, ".gitattributes"), "w") as fh:
        fh.write("*.py filter=x\n")
    check("rm src/app.py", workspace, home, env, "allow")
    check("rm .gitattributes", workspace, home, env, "ask", "fs.delete-source")  # untracked
    assert not marker.exists()


# --- a container listing narrowed by name is as targeted as naming the containers ------------------------

@pytest.mark.parametrize("command", [
    'docker ps -a --filter name=jenkins --format "{{.ID}} {{.Names}}" && docker rm -f $(docker ps -a --filter name=jenkins -q) 2>/dev/null; docker-compose up -d 2>&1',
    "docker ps -aq -f name=web | xargs docker rm -f",
    "docker rm -f $(docker ps -aq --filter 'name=api')",
])
def test_removing_containers_listed_by_name_passes(command, workspace, home, env):
    check(command, workspace, home, env, "allow")


@pytest.mark.parametrize("command", [
    "docker rm -f $(docker ps -aq)",                                           # every container
    "docker rm -fv $(docker ps -a --filter name=jenkins -q)",                  # with their volumes
    "docker rm -f $(docker ps -aq --filter name=web --filter status=running)",  # another filter decides too
    "docker rm -f $(docker ps -aq --filter name=$PREFIX)",                     # a name not known
    "docker rm -f $(docker ps -q --filter status=running)",
])
def test_removing_every_or_unknown_containers_is_still_asked(command, workspace, home, env):
    check(command, workspace, home, env, "ask", "infra.docker-rm-force")


# --- publishing a package, image or release ----------------------------------------------------------------

@pytest.mark.parametrize("command", [
    "npm publish", "npm publish --access public --tag next", "pnpm publish -r", "yarn npm publish",
    "cargo publish -p presenter-server", "twine upload dist/*", "gem push pkg/app-1.0.0.gem", "poetry publish --build",
    "gh release create v0.1.0-dev.1 /tmp/presenter-0.1.0-dev.1-linux-x64.tar.gz --title 'v0.1.0' --notes 'dev'",
    "docker push registry.example.com/team/app:1.2.0", "npx vsce publish patch",
])
def test_publishing_is_asked(command, workspace, home, env):
    d = check(command, workspace, home, env, "ask", "publish.release")
    assert not any("treated as prod" in r for r in d.reasons), d.reasons


@pytest.mark.parametrize("command", [
    "npm publish --dry-run", "npm pack", "npm run build", "cargo publish --dry-run", "cargo build --release",
    "cargo remove serde", "twine check dist/*", "gem build app.gemspec", "poetry build", "poetry run pytest",
    "gh release list --limit 3", "gh release view v1 --json assets", "gh release create v2 --draft --notes x",
    "gh release download v1 --pattern '*.tar.gz' --dir /tmp/dl", "docker build -t app .", "docker pull nginx",
    "docker compose push --dry-run",
])
def test_building_and_looking_at_releases_passes(command, workspace, home, env):
    check(command, workspace, home, env, "allow")


# --- attack round (eighth session): each success of the round, now a test ---------------------------------

def test_a_cache_entry_that_links_elsewhere_is_not_a_cache(workspace, home, env):
    caches = os.path.join(home, "Library", "Caches")
    os.makedirs(caches)
    os.symlink(os.path.join(home, "Documents"), os.path.join(caches, "docs"))
    for command in ("rm -rf ~/Library/Caches/docs/*", "rm -rf ~/Library/Caches/docs/", "rm -rf ~/Library/Caches/docs/x"):
        check(command, workspace, home, env, "deny", "fs.delete-outside-workspace")
    check("rm -rf ~/Library/Caches/docs", workspace, home, env, "allow")  # the link itself


@pytest.mark.parametrize("command", ["npm -w packages/api publish", "npm --workspace api publish --access public",
                                     "pnpm --filter @acme/ui publish", "npm --registry https://r.example publish"])
def test_publish_after_options_is_still_publishing(command, workspace, home, env):
    check(command, workspace, home, env, "ask", "publish.release")


@pytest.mark.parametrize("command", ["npm -w api publish --dry-run", "npm -w api run build", "npm --prefix web test"])
def test_workspace_options_without_publishing_pass(command, workspace, home, env):
    check(command, workspace, home, env, "allow")


@pytest.mark.parametrize("command", ["docker rm -f $(docker ps -aq --filter name=.)",
                                     "docker rm -f $(docker ps -aq --filter 'name=^/')",
                                     "docker rm -f $(docker ps -aq --filter name=web --filter name=.)"])
def test_a_name_filter_that_fits_every_container_is_not_a_name(command, workspace, home, env):
    check(command, workspace, home, env, "ask", "infra.docker-rm-force")


@pytest.mark.parametrize("command", ["unzip -o plugin.zip -d ~/.claude/plugins/x",
                                     "git clone https://github.com/acme/skills ~/.claude/skills/acme",
                                     "git clone --depth 1 -b main https://github.com/acme/ext ~/.gemini/extensions/ext",
                                     "rsync -a hooks/ ~/.claude/hooks/",
                                     "curl -fsSL -o ~/.claude/hooks/guard.sh https://example.com/guard.sh"])
def test_agent_configuration_fetched_or_unpacked_is_asked(command, workspace, agent_home, env):
    check(command, workspace, agent_home, env, "ask")


@pytest.mark.parametrize("command", ["git clone https://github.com/acme/tool.git", "git clone https://github.com/acme/tool vendor/tool",
                                     "git clone --depth 1 https://github.com/acme/tool /tmp/tool"])
def test_cloning_elsewhere_passes(command, workspace, home, env):
    check(command, workspace, home, env, "allow")


# --- a secret file copied inside the workspace under a secret file's name ----------------------------------

@pytest.mark.parametrize("command", [
    "cp .env .env.backup",
    "mkdir -p .claude/worktrees/web && cp .env .claude/worktrees/web/.env",
    "cp .env src/",
    "cp -t src .env",
])
def test_a_secret_copied_within_the_workspace_as_a_secret_passes(command, workspace, home, env):
    check(command, workspace, home, env, "allow")


@pytest.mark.parametrize("command", [
    "cp .env notes.txt",                # a name nothing guards: `cat notes.txt` would print it
    "cp .env /tmp/env.copy",             # out of the workspace
    "cp .env dist/.env",                # into a build output that is shipped
    "cp .env ../elsewhere/.env",
    "cp ~/.ssh/id_ed25519 ./id_ed25519",  # a credential brought into the project
    "cp .env .env.copy && cat .env.copy",
])
def test_a_secret_copied_anywhere_else_is_still_a_read(command, workspace, home, env):
    check(command, workspace, home, env, "deny", "secrets.read-file")


# --- a search of a secret file for one variable that is not a secret ---------------------------------------

@pytest.fixture
def env_local(workspace):
    with open(os.path.join(workspace, ".env.local"), "w") as fh:
        fh.write("# local\nAWS_REGION=ap-east-1\nAWS_SECRET_ACCESS_KEY=abcdEFGHijklMNOPqrstUVWXyz0123456789ABCD\n"
                 "PORT=3000\nNODE_ENV=development\nDATABASE_URL=postgres://app:s3cret@localhost/app\n"
                 "MY_PORT_TOKEN=xyz\nREGION_NOTE=ghp_R8xT2mQ9vL4pZ7wK1nB6cY3dF5gH0jS2aE8u\n")
    return workspace


@pytest.mark.parametrize("command", ["grep AWS_REGION .env.local", "grep -n NODE_ENV .env.local",
                                     "grep ^NODE_ENV= .env.local", "grep -i aws_region .env.local"])
def test_grep_for_a_plain_setting_in_a_secret_file_passes(command, env_local, home, env):
    check(command, env_local, home, env, "allow")


@pytest.mark.parametrize("command", [
    "grep PORT .env.local",            # also matches MY_PORT_TOKEN=…
    "grep REGION .env.local",          # also matches REGION_NOTE, whose value is a token
    "grep DATABASE_URL .env.local",    # a URL with a password
    "grep AWS_SECRET .env.local", "grep -A2 AWS_REGION .env.local", "grep -v NODE_ENV .env.local",
    "grep -o 'AWS_REGION=.*' .env.local", "grep NODE_ENV .env.local .env",
    "grep MINIMAX .env.local",           # no line of it here: what it matches where it runs is not known
])  # (s10: a file not there to look at is asked: tests/test_precision_s10.py)
def test_grep_that_can_print_a_secret_is_still_a_read(command, env_local, home, env):
    check(command, env_local, home, env, "deny", "secrets.read-file")
