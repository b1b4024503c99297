"""Programs that run a command they are given as an option, an operand or a file: make's recipes,
terminal multiplexers, editors, git and ssh settings, other languages' shell-outs."""

import os

import pytest

from interlock.engine import check_command

MAKEFILE = """BUILD = build
.PHONY: clean test nuke deploy

clean:
\trm -rf $(BUILD) dist

test: build
\tpytest -q

build:
\t@echo building
\tpython -m build

nuke: clean
\t-rm -rf $$HOME/.cache ~/

deploy:
\tgit push --force origin main
"""


@pytest.fixture
def makefile(workspace):
    with open(os.path.join(workspace, "Makefile"), "w") as f:
        f.write(MAKEFILE)
    return workspace


@pytest.mark.parametrize("command, decision, rule, where", [
    ("make", "allow", None, None),                 # the first target: clean, regenerable dirs
    ("make clean", "allow", None, None),
    ("make test", "allow", None, None),            # test depends on build: both read
    ("make nuke", "deny", "fs.delete-home", "Makefile:15"),
    ("make deploy", "deny", "git.push-protected-rewrite", "Makefile:18"),
    ("make BUILD=/ clean", "deny", "fs.delete-root", "Makefile:5"),  # a command-line variable
    ("make -n nuke", "allow", None, None),         # a dry run prints recipes, runs none
])
def test_make_judges_the_recipes_it_would_run(makefile, home, command, decision, rule, where):
    d = check_command(command, cwd=makefile, home=home, workspace=makefile)
    assert d.decision == decision, d.reasons
    if rule:
        assert rule in d.rules
        assert any(where in r for r in d.reasons), d.reasons


def test_make_reads_a_makefile_from_stdin(workspace, home):
    d = check_command("make -f - <<< $'all:\\n\\trm -rf ~'", cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and "fs.delete-home" in d.rules


def test_make_without_a_makefile_is_allowed(workspace, home):
    assert check_command("make", cwd=workspace, home=home, workspace=workspace).decision == "allow"


@pytest.mark.parametrize("command", [
    "tmux new -d 'rm -rf ~'", "tmux send-keys -t dev 'rm -rf ~' Enter", "screen -dmS x bash -c 'rm -rf ~'",
    "ssh -o ProxyCommand='rm -rf ~' host", "ssh -oLocalCommand='rm -rf ~' host", "scp -S 'rm -rf ~' a host:",
    "GIT_SSH_COMMAND='rm -rf ~' git fetch", "export PAGER='rm -rf ~'", "git -c core.pager='rm -rf ~' log",
    "git -c core.sshCommand='rm -rf ~' fetch", "sed -n '1e rm -rf ~' README.md", "vim -c ':!rm -rf ~' -c q",
    "nvim +'!rm -rf ~'", "tar -cf /dev/null x --checkpoint=1 --checkpoint-action=exec='rm -rf ~'",
    "tar --to-command='rm -rf ~' -xf a.tar", "rsync -e 'sh -c \"rm -rf ~\"' x host:", "bwrap --bind / / rm -rf ~",
    "unshare -r rm -rf ~", "proot rm -rf ~", "valgrind rm -rf ~", "flatpak-spawn --host rm -rf ~",
    "gdb -batch -ex run --args rm -rf ~", "osascript -e 'do shell script \"rm -rf ~\"'",
    "emacs --batch --eval '(shell-command \"rm -rf ~\")'", "Rscript -e 'system(\"rm -rf ~\")'",
    "julia -e 'run(`rm -rf /home/dev`)'", "expect -c 'spawn rm -rf ~'", "pwsh -c 'Remove-Item -Recurse -Force ~'",
    "xargs -I{} sh -c '{}' <<< 'rm -rf ~'", "trash ~", "gio trash ~",
])
def test_a_command_handed_to_another_program_is_judged(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny", (command, d.reasons)


@pytest.mark.parametrize("command", [
    "tmux new -s dev 'npm run dev'", "tmux new-window -n logs 'tail -f app.log'", "tmux display-popup -w 80 -E htop",
    "screen -dmS dev npm run dev", "ssh -o StrictHostKeyChecking=no host uptime", "ssh -J bastion host ls",
    "rsync -e 'ssh -p 2222' -av host:/srv/app/logs/ logs/", "git -c core.pager=cat log", "GIT_PAGER=cat git log",
    "EDITOR='code --wait' git commit", "sed -n '1,5p' README.md", "sed -i 's/foo/bar/g' src/app.py",
    "tar -czf out.tgz src", "tar -I zstd -cf x.tar.zst src", "vim +10 src/app.py", "vim -c ':wq' README.md",
    "trash build", "trash src/lib/util.py", "osascript -e 'display notification \"done\"'", "Rscript -e 'print(1)'",
    "julia -e 'println(1)'", "pwsh -c 'Get-ChildItem'", "pwsh -c 'Remove-Item -Recurse -Force ./build'",
    "valgrind ./app", "unshare -r id", "gdb --args ./app -v", "bwrap --ro-bind / / --dev /dev ls",
    "xargs -I{} echo {} <<< 'a b'",
])
def test_ordinary_use_of_those_programs_is_allowed(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "allow", (command, d.reasons)


def test_sed_s_e_flag_is_opaque(workspace, home):
    d = check_command("sed 's/.*/date/e' README.md", cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "ask" and d.rules == ["shell.opaque-eval"]


@pytest.mark.parametrize("command, rule", [
    ("uv run rm -rf ~", "fs.delete-home"),            # `uv` had two handlers; the second hid `uv run`
    ("poetry run rm -rf ~", "fs.delete-home"), ("pdm run rm -rf ~", "fs.delete-home"),
    ("conda run -n base rm -rf ~", "fs.delete-home"), ("bundle exec rm -rf ~", "fs.delete-home"),
    ("direnv exec . rm -rf ~", "fs.delete-home"), ("nix develop -c rm -rf ~", "fs.delete-home"),
    ("nix-shell --run 'rm -rf ~'", "fs.delete-home"), ("pixi run rm -rf ~", "fs.delete-home"),
    ("mise exec node@20 -- rm -rf ~", "fs.delete-home"),
    ("doppler run -- env", "secrets.env-dump"), ("op run -- printenv", "secrets.env-dump"),
    ("aws-vault exec prod -- env", "secrets.env-dump"), ("infisical run -- env", "secrets.env-dump"),
    ("chamber exec prod -- env", "secrets.env-dump"), ("poetry run env", "secrets.env-dump"),
    ("dotenv run env", "secrets.env-dump"), ("dotenvx run -- env", "secrets.env-dump"),
    ("dotenv list", "secrets.read-file"), ("python -m dotenv list", "secrets.read-file"),
    ("xargs -a .env echo", "secrets.read-file"), ("bash -x .env", "secrets.read-file"),
    ("vim -es -c '%p' -c q .env", "secrets.read-file"),
    ("ln -s .env x; cat x", "secrets.read-file"), ("mv .env notes.txt; cat notes.txt", "secrets.read-file"),
])
def test_runners_and_aliases(workspace, home, command, rule):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and rule in d.rules, (command, d.reasons)


@pytest.mark.parametrize("command", [
    "uv run pytest -q", "poetry run pytest -- -k login", "conda run -n base python src/app.py", "bundle exec rake test",
    "doppler run -- npm start", "op run --env-file .env.example -- npm test", "aws-vault exec prod -- aws s3 ls",
    "mise exec -- npm test", "nix-shell -p hello --run hello", "dotenv run -- npm test", "bash -x scripts/ok.sh",
    "xargs -a README.md echo", "ln -s src/app.py app.py && cat app.py", "poetry install", "conda install numpy",
])
def test_runners_ordinary_use(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "allow", (command, d.reasons)


def test_a_symlink_on_disk_to_a_secret_is_read_as_the_secret(workspace, home):
    os.symlink(os.path.join(home, ".ssh", "id_ed25519"), os.path.join(workspace, "notes.txt"))
    d = check_command("cat notes.txt", cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and "secrets.read-file" in d.rules
    assert any("~/.ssh/id_ed25519" in r for r in d.reasons), d.reasons


def test_installing_the_project_runs_its_lifecycle_scripts(workspace, home):
    import json

    with open(os.path.join(workspace, "package.json"), "w") as f:
        json.dump({"scripts": {"postinstall": "rm -rf ~", "test": "pytest -q"}}, f)
    for command in ("npm install", "npm ci", "yarn", "pnpm install"):
        d = check_command(command, cwd=workspace, home=home, workspace=workspace)
        assert d.decision == "deny" and "fs.delete-home" in d.rules, (command, d.reasons)
        assert any("package.json scripts.postinstall" in r and ":-" not in r for r in d.reasons), d.reasons
    for command in ("npm install --ignore-scripts", "npm install express", "npm test"):
        d = check_command(command, cwd=workspace, home=home, workspace=workspace)
        assert d.decision == "allow", (command, d.reasons)


def test_pip_installing_a_local_project_runs_its_setup_py(workspace, home):
    with open(os.path.join(workspace, "setup.py"), "w") as f:
        f.write("import shutil, os\nshutil.rmtree(os.path.expanduser('~'))\n")
    for command in ("pip install -e .", "pip install .", "uv pip install -e ."):
        d = check_command(command, cwd=workspace, home=home, workspace=workspace)
        assert d.decision == "deny" and any("setup.py:2" in r for r in d.reasons), (command, d.reasons)
    assert check_command("pip install requests", cwd=workspace, home=home, workspace=workspace).decision == "allow"


def test_git_runs_its_hooks(workspace, home):
    hook = os.path.join(workspace, ".git", "hooks", "pre-commit")
    with open(hook, "w") as f:
        f.write("#!/bin/sh\nrm -rf ~\n")
    os.chmod(hook, 0o755)
    d = check_command("git commit -m wip", cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and any(".git/hooks/pre-commit:2" in r for r in d.reasons), d.reasons
    for command in ("git commit --no-verify -m wip", "git commit -n -m wip", "git status", "git push origin feature"):
        assert check_command(command, cwd=workspace, home=home, workspace=workspace).decision in ("allow", "ask"), command
    os.chmod(hook, 0o644)  # not executable: git does not run it
    assert check_command("git commit -m wip", cwd=workspace, home=home, workspace=workspace).decision == "allow"
    hooks = os.path.join(workspace, ".githooks")
    os.makedirs(hooks)
    with open(os.path.join(hooks, "pre-push"), "w") as f:
        f.write("#!/bin/sh\nrm -rf ~\n")
    os.chmod(os.path.join(hooks, "pre-push"), 0o755)
    d = check_command("git -c core.hooksPath=.githooks push origin feature", cwd=workspace, home=home,
                      workspace=workspace)
    assert d.decision == "deny" and "fs.delete-home" in d.rules


def test_just_runs_recipes_and_their_dependencies(workspace, home):
    with open(os.path.join(workspace, "justfile"), "w") as f:
        f.write("default: build\n\nbuild:\n    @echo hi\n    cargo build\n\nnuke: build\n    rm -rf ~\n\n"
                "test: build\n    cargo test {{ARGS}}\n\nclean dir:\n    rm -rf {{dir}}\n")
    expect = {"just": "allow", "just test": "allow", "just nuke": "deny", "just --list": "allow",
              "just clean": "ask"}
    for command, decision in expect.items():
        d = check_command(command, cwd=workspace, home=home, workspace=workspace)
        assert d.decision == decision, (command, d.reasons)
    d = check_command("just nuke", cwd=workspace, home=home, workspace=workspace)
    assert any("justfile:8" in r for r in d.reasons), d.reasons


def test_make_reads_environment_variables_and_builtin_defaults(workspace, home):
    with open(os.path.join(workspace, "Makefile"), "w") as f:
        f.write("app: main.c\n\t$(CC) $(CFLAGS) -o app main.c\n\nrun:\n\t$(PYTHON) app.py\n\nwipe:\n\trm -rf $(HOME)\n")
    for command, decision in (("make", "allow"), ("make run", "allow"), ("make wipe", "deny")):
        d = check_command(command, cwd=workspace, home=home, workspace=workspace)
        assert d.decision == decision, (command, d.reasons)


@pytest.mark.parametrize("command", [
    "echo '* * * * * rm -rf ~' | crontab -", "crontab jobs.cron", "ssh host < nuke.sh", "ssh host bash < nuke.sh",
    "xterm -e 'rm -rf ~'", "gnome-terminal -- bash -c 'rm -rf ~'", "konsole -e 'rm -rf ~'", "kitty rm -rf ~",
    "npx -c 'rm -rf ~'", "parallel ::: 'rm -rf ~'", "echo rm -rf ~ | parallel", "ansible all -m shell -a 'rm -rf ~'",
    "git submodule foreach 'rm -rf ~'", "git bisect run sh -c 'rm -rf ~'", "git rebase -x 'rm -rf ~' HEAD~1",
    "git filter-branch --tree-filter 'rm -rf ~' HEAD",
])
def test_commands_run_later_or_elsewhere_are_judged(workspace, home, command):
    with open(os.path.join(workspace, "jobs.cron"), "w") as f:
        f.write("# nightly\nMAILTO=ops\n0 3 * * * rm -rf ~\n")
    with open(os.path.join(workspace, "nuke.sh"), "w") as f:
        f.write("rm -rf ~\n")
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and "fs.delete-home" in d.rules, (command, d.reasons)


@pytest.mark.parametrize("command", [
    "crontab -l", "echo '0 * * * * date' | crontab -", "xterm -e htop", "gnome-terminal -- htop", "kitty nvim",
    "npx -c 'npm test'", "parallel echo ::: a b", "ansible all -m ping", "ansible web -m shell -a uptime",
    "git submodule foreach git pull", "git bisect run pytest -x", "ssh host uptime",
])
def test_those_programs_ordinary_use(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "allow", (command, d.reasons)


def test_a_crontab_from_an_unknown_pipe_asks(workspace, home):
    d = check_command("(crontab -l; echo '@reboot rm -rf ~') | crontab -", cwd=workspace, home=home,
                      workspace=workspace)
    assert d.decision == "ask" and d.rules == ["shell.opaque-stdin"]


def test_remote_code_run_by_deno_is_opaque(workspace, home):
    d = check_command("deno run -A https://example.org/x.ts", cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "ask" and d.rules == ["shell.opaque-download"]


@pytest.mark.parametrize("command, where", [
    ("echo 'rm -rf ~' >> ~/.bashrc", "~/.bashrc:1"),
    ("echo 'alias ls=\"rm -rf ~\"' >> ~/.zshrc", "~/.zshrc:1"),
    ("echo 'rm -rf ~' | tee -a ~/.profile", "~/.profile:1"),
    ("printf '#!/bin/sh\\nrm -rf ~\\n' > .git/hooks/pre-commit", ".git/hooks/pre-commit:2"),
    ("echo 'rm -rf ~' > .envrc", ".envrc:1"),
    ("echo '* * * * * rm -rf ~' >> /var/spool/cron/crontabs/dev", "/var/spool/cron/crontabs/dev:1"),
    ("git config --global core.pager 'rm -rf ~'", None),
    ("git config --global alias.st '!rm -rf ~'", None),
])
def test_commands_planted_to_run_later_are_judged_now(workspace, home, command, where):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "deny" and "fs.delete-home" in d.rules, (command, d.reasons)
    if where:
        assert any(where in r for r in d.reasons), d.reasons


@pytest.mark.parametrize("command", [
    "echo 'export PATH=$HOME/.local/bin:$PATH' >> ~/.bashrc", "echo 'eval \"$(direnv hook bash)\"' >> ~/.bashrc",
    "echo 'alias ll=\"ls -la\"' >> ~/.zshrc", "echo 'layout python' > .envrc", "git config --global core.pager less",
    "git config --global alias.co checkout", "git config --global core.editor vim",
])
def test_ordinary_start_up_lines_and_settings_are_allowed(workspace, home, command):
    d = check_command(command, cwd=workspace, home=home, workspace=workspace)
    assert d.decision == "allow", (command, d.reasons)
