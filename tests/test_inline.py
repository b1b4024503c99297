"""Tests for interlock.analysis.inline: effects of inline interpreter code."""

import pytest

from interlock.analysis.inline import Effect, effects


def summary(lang, code):
    return [(e.kind, e.target, e.recursive, e.line) for e in effects(lang, code)]


D, W, R, S, O = "delete", "write", "read", "shell", "opaque"

# (language, code, expected [(kind, target, recursive, line), ...]) -- the full list
CASES = [
    # --- python: deletes and path resolution ---------------------------------------------
    pytest.param("python", 'import shutil; shutil.rmtree("/tmp/x")',
                 [(D, "/tmp/x", True, 1)], id="py-rmtree-literal"),
    pytest.param("python", 'import shutil as s\np = "/home/u"\ns.rmtree(p)',
                 [(D, "/home/u", True, 3)], id="py-alias-and-variable"),
    pytest.param("python", 'import os\nfrom shutil import rmtree\nrmtree(os.path.expanduser("~"))',
                 [(D, "~", True, 3)], id="py-from-import-expanduser"),
    pytest.param("python", 'from os import remove as rm\nrm("a.txt")',
                 [(D, "a.txt", False, 2)], id="py-from-import-as"),
    pytest.param("python", 'import os, subprocess\nos.unlink("/etc/hosts")',
                 [(D, "/etc/hosts", False, 2)], id="py-import-list"),
    pytest.param("python",
                 'from pathlib import Path\nimport shutil\nd = Path.home() / "Documents"\nshutil.rmtree(d)',
                 [(D, "~/Documents", True, 4)], id="py-path-home-div"),
    pytest.param("python",
                 'import os, shutil\nhome = os.path.expanduser("~")\n'
                 'shutil.rmtree(os.path.join(home, ".ssh"))',
                 [(D, "~/.ssh", True, 3)], id="py-os-path-join"),
    pytest.param("python",
                 'import os, shutil\nshutil.rmtree(os.environ["HOME"])\n'
                 'shutil.rmtree(os.environ.get("HOME") + "/a")\nos.remove(os.getenv("HOME") + "/b")',
                 [(D, "~", True, 2), (D, "~/a", True, 3), (D, "~/b", False, 4)], id="py-environ-home"),
    pytest.param("python",
                 'import os, shutil\nhome = os.path.expanduser("~")\nshutil.rmtree(f"{home}/.config")',
                 [(D, "~/.config", True, 3)], id="py-fstring"),
    pytest.param("python",
                 'from pathlib import Path\nPath("~/x").expanduser().unlink()\n'
                 'Path.home().joinpath("y").unlink()\nPath("build").rmdir()',
                 [(D, "~/x", False, 2), (D, "~/y", False, 3), (D, "build", False, 4)],
                 id="py-pathlib-methods"),
    pytest.param("python", 'import os, shutil\nshutil.rmtree(os.getcwd())\nos.rmdir("./dist")',
                 [(D, ".", True, 2), (D, "./dist", False, 3)], id="py-cwd"),
    pytest.param("python", 'import shutil\np = "/a"\np = input()\nshutil.rmtree(p)',
                 [(D, None, True, 4)], id="py-reassigned-unknown"),
    pytest.param("python",
                 'import shutil\ndef clean():\n    shutil.rmtree("/data")\n\n'
                 'class C:\n    def m(self):\n        shutil.rmtree("/srv")\n',
                 [(D, "/data", True, 3), (D, "/srv", True, 7)], id="py-uncalled-function-and-method"),
    pytest.param("python",
                 'import os\nfiles = ["a"]\n[os.remove(f) for f in files]\ng = lambda: os.unlink("/q")',
                 [(D, None, False, 3), (D, "/q", False, 4)], id="py-comprehension-lambda"),
    pytest.param("python",
                 'import shutil\nBASE = "/opt/app"\ndef main():\n    shutil.rmtree(BASE)\n'
                 'if __name__ == "__main__":\n    main()\n    shutil.rmtree("/opt/cache")',
                 [(D, "/opt/app", True, 4), (D, "/opt/cache", True, 7)], id="py-main-guard"),
    pytest.param("python", 'import os\nfor d in ["a", "b"]:\n    os.rmdir(d)',
                 [(D, "a", False, 3), (D, "b", False, 3)], id="py-loop-over-literals"),
    pytest.param("python", 'import os, sys\nfor d in sys.argv:\n    os.rmdir(d)',
                 [(D, None, False, 3)], id="py-loop-variable-unresolved"),
    pytest.param("python", 'import tempfile, shutil\nd = tempfile.mkdtemp()\nshutil.rmtree(d)',
                 [(D, "/tmp/tmpXXXXXX", True, 3)], id="py-tempdir"),
    # --- python: shell -----------------------------------------------------------------
    pytest.param("python", 'import os\nos.system("rm -rf ~")',
                 [(S, "rm -rf ~", False, 2)], id="py-os-system"),
    pytest.param("python", 'import subprocess\nsubprocess.run(["rm", "-rf", "/"])',
                 [(S, "rm -rf /", False, 2)], id="py-subprocess-list"),
    pytest.param("python", 'import subprocess\nsubprocess.run(["pytest", "-q"])',
                 [(S, "pytest -q", False, 2)], id="py-subprocess-harmless"),
    pytest.param("python", 'import subprocess\nsubprocess.check_call(["bash", "-c", "rm -rf /x"])',
                 [(S, "bash -c 'rm -rf /x'", False, 2)], id="py-bash-c-joined"),
    pytest.param("python", 'import subprocess as sp\nsp.Popen("make clean", shell=True)',
                 [(S, "make clean", False, 2)], id="py-popen-alias"),
    pytest.param("python", 'import subprocess\nsubprocess.run(cmd)',
                 [(O, None, False, 2)], id="py-subprocess-unresolved-opaque"),
    pytest.param("python", 'import os\nos.execvp("rm", ["rm", "-rf", "/x"])',
                 [(S, "rm -rf /x", False, 2)], id="py-execvp"),
    pytest.param("python", 'import os\nd = "/var/www"\nos.system("rm -rf %s" % d)',
                 [(S, "rm -rf /var/www", False, 3)], id="py-percent-format"),
    pytest.param("python", '__import__("os").system("id")',
                 [(S, "id", False, 1)], id="py-dunder-import"),
    pytest.param("python", 'import os\ngetattr(os, "sys" + "tem")("whoami")',
                 [(S, "whoami", False, 2)], id="py-getattr-obfuscated"),
    # --- python: exec / eval / opaque --------------------------------------------------
    pytest.param("python", 'exec("import os; os.system(\'ls\')")',
                 [(S, "ls", False, 1)], id="py-exec-literal"),
    pytest.param("python", 'x = 1\nexec("""\nimport shutil\nshutil.rmtree("/a")\n""")',
                 [(D, "/a", True, 4)], id="py-exec-multiline-offset"),
    pytest.param("python", 'exec(x)\neval(input())\nimport pickle\npickle.loads(data)',
                 [(O, None, False, 1), (O, None, False, 2), (O, None, False, 4)], id="py-opaque"),
    pytest.param("python",
                 'import base64\nexec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="))',
                 [(S, "id", False, 2), (O, None, False, 2)], id="py-base64-exec"),
    pytest.param("python", 'import base64\nexec(base64.b64decode(payload))',
                 [(O, None, False, 2)], id="py-base64-unknown"),
    # --- python: read / write ----------------------------------------------------------
    pytest.param("python", 'open("out.txt")', [(R, "out.txt", False, 1)], id="py-open-read"),
    pytest.param("python",
                 'open("out.txt", "w")\nwith open("log", mode="a") as f:\n    f.write("x")',
                 [(W, "out.txt", False, 1), (W, "log", False, 2)], id="py-open-write"),
    pytest.param("python",
                 'from pathlib import Path\nPath("~/.bashrc").expanduser().write_text("x")\n'
                 'Path.home().joinpath(".ssh", "id_rsa").read_text()',
                 [(W, "~/.bashrc", False, 2), (R, "~/.ssh/id_rsa", False, 3)], id="py-path-read-write"),
    pytest.param("python", 'from send2trash import send2trash\nsend2trash("~/x")',
                 [(W, "~/x", False, 2)], id="py-send2trash"),
    # --- python: look-alikes -----------------------------------------------------------
    pytest.param("python", 'print("shutil.rmtree(\'/\')")', [], id="py-lookalike-string"),
    pytest.param("python", '# os.remove(x)\nprint(1)', [], id="py-lookalike-comment"),
    pytest.param("python", 'import os\nprint(os.path.exists("/"))\nx = "os.system(\'rm -rf /\')"', [],
                 id="py-lookalike-misc"),
    # --- python that does not parse: regex fallback ------------------------------------
    pytest.param("python", 'import shutil\nshutil.rmtree("/x")\nif x', [(D, "/x", True, 2)],
                 id="py-syntax-error-fallback"),
    pytest.param("python", 'print "hi"\nimport os\nos.system("rm -rf /")\n# os.remove("/c")',
                 [(S, "rm -rf /", False, 3)], id="py2-print-fallback"),
    pytest.param("python", 'def f(:\n    eval(data)', [(O, None, False, 2)],
                 id="py-syntax-error-eval-opaque"),
    pytest.param("python", 'x = (\nexec(payload', [(O, None, False, 2)],
                 id="py-syntax-error-unbalanced-exec"),
    pytest.param("python", 'print "shutil.rmtree(\'/\')"', [], id="py-syntax-error-lookalike"),
    # --- node ---------------------------------------------------------------------------
    pytest.param("node", "require('fs').rmSync('/x', {recursive: true, force: true})",
                 [(D, "/x", True, 1)], id="node-rmsync-recursive"),
    pytest.param("node",
                 "const fs = require('fs'); const os = require('os'); const path = require('path');\n"
                 "fs.rmSync(path.join(os.homedir(), 'proj'), { recursive: true })",
                 [(D, "~/proj", True, 2)], id="node-homedir-join"),
    pytest.param("node", "const fs = require('fs');\nfs.unlinkSync('a.txt')",
                 [(D, "a.txt", False, 2)], id="node-unlink"),
    pytest.param("node", "const fs = require('fs');\nfs.rmdirSync('/srv/www')",
                 [(D, "/srv/www", False, 2)], id="node-rmdir-not-recursive"),
    pytest.param("node", "const rimraf = require('rimraf');\nrimraf.sync('dist')",
                 [(D, "dist", True, 2)], id="node-rimraf"),
    pytest.param("node", "const fse = require('fs-extra');\nfse.removeSync(process.env.HOME)",
                 [(D, "~", True, 2)], id="node-fs-extra"),
    pytest.param("node",
                 "import { rmSync } from 'node:fs';\nimport { homedir } from 'os';\n"
                 "rmSync(`${homedir()}/.cache`, {recursive: true})",
                 [(D, "~/.cache", True, 3)], id="node-esm-template"),
    pytest.param("node", "require('child_process').execSync('rm -rf /tmp/x')",
                 [(S, "rm -rf /tmp/x", False, 1)], id="node-execsync"),
    pytest.param("node", "const { spawn } = require('child_process');\nspawn('rm', ['-rf', '/x'])",
                 [(S, "rm -rf /x", False, 2)], id="node-spawn-args"),
    pytest.param("node",
                 "const cp = require('child_process');\nconst dir = '/srv';\n"
                 "cp.exec('rm -rf ' + dir)\ncp.exec(userInput)",
                 [(S, "rm -rf /srv", False, 3), (O, None, False, 4)], id="node-exec-concat-and-opaque"),
    pytest.param("node", "eval(code)\nnew Function(src)\neval('1 + 1')",
                 [(O, None, False, 1), (O, None, False, 2)], id="node-eval"),
    pytest.param("node",
                 "const fs = require('fs');\nfs.writeFileSync(process.env.HOME + '/.bashrc', 'x')\n"
                 "fs.readFileSync('/etc/passwd')",
                 [(W, "~/.bashrc", False, 2), (R, "/etc/passwd", False, 3)], id="node-write-read"),
    pytest.param("node", 'console.log("fs.rmSync(\'/\')")', [], id="node-lookalike-string"),
    pytest.param("node", '// fs.rmSync("/")\n/* execSync("rm -rf /") */\nconst m = /a\'b/.exec(s)', [],
                 id="node-lookalike-comment-regex"),
    # --- deno -----------------------------------------------------------------------------
    pytest.param("deno", 'await Deno.remove("/x", {recursive: true})',
                 [(D, "/x", True, 1)], id="deno-remove"),
    pytest.param("deno", 'await Deno.remove("file.txt")',
                 [(D, "file.txt", False, 1)], id="deno-remove-file"),
    pytest.param("deno", 'new Deno.Command("rm", {args: ["-rf", "/x"]}).outputSync()',
                 [(S, "rm -rf /x", False, 1)], id="deno-command"),
    pytest.param("deno", 'Deno.run({cmd: ["ls", "-la"]})', [(S, "ls -la", False, 1)], id="deno-run"),
    # --- perl -----------------------------------------------------------------------------
    pytest.param("perl", 'system("rm -rf $ENV{HOME}/x")', [(S, "rm -rf ~/x", False, 1)],
                 id="perl-system-env-home"),
    pytest.param("perl", "system('rm', '-rf', '/x');", [(S, "rm -rf /x", False, 1)],
                 id="perl-system-list"),
    pytest.param("perl", 'unlink "a.txt";\nunlink("/etc/b", "/etc/c");',
                 [(D, "a.txt", False, 1), (D, "/etc/b", False, 2), (D, "/etc/c", False, 2)],
                 id="perl-unlink"),
    pytest.param("perl", 'use File::Path qw(rmtree remove_tree);\nrmtree("/x");\nremove_tree($d);',
                 [(D, "/x", True, 2), (D, None, True, 3)], id="perl-rmtree"),
    pytest.param("perl", 'my $x = `ls -la`;\nmy $y = qx{whoami};',
                 [(S, "ls -la", False, 1), (S, "whoami", False, 2)], id="perl-backticks-qx"),
    pytest.param("perl", 'eval $code;\neval { 1 };', [(O, None, False, 1)], id="perl-eval"),
    pytest.param("perl", 'my $d = "/tmp/a";\nsystem("rm -rf $d");', [(S, "rm -rf /tmp/a", False, 2)],
                 id="perl-interpolated-variable"),
    pytest.param("perl", 'print "unlink /etc/passwd\\n"; # system("x")', [], id="perl-lookalike"),
    # --- ruby -----------------------------------------------------------------------------
    pytest.param("ruby", 'require "fileutils"\nFileUtils.rm_rf(Dir.home)', [(D, "~", True, 2)],
                 id="ruby-rm-rf-home"),
    pytest.param("ruby", 'FileUtils.rm_rf(File.join(Dir.home, "x"))', [(D, "~/x", True, 1)],
                 id="ruby-file-join"),
    pytest.param("ruby", 'FileUtils.rm "a.txt"\nFile.delete("b")',
                 [(D, "a.txt", False, 1), (D, "b", False, 2)], id="ruby-rm-delete"),
    pytest.param("ruby", 'system("rm", "-rf", "/x")', [(S, "rm -rf /x", False, 1)], id="ruby-system"),
    pytest.param("ruby", 'x = `ls`\ny = %x(whoami)', [(S, "ls", False, 1), (S, "whoami", False, 2)],
                 id="ruby-backticks"),
    pytest.param("ruby", 'require "open3"\nout, st = Open3.capture2("git status")',
                 [(S, "git status", False, 2)], id="ruby-open3"),
    pytest.param("ruby", "system(\"rm -rf #{ENV['HOME']}/x\")", [(S, "rm -rf ~/x", False, 1)],
                 id="ruby-interpolation"),
    pytest.param("ruby", 'eval(code)', [(O, None, False, 1)], id="ruby-eval"),
    pytest.param("ruby", 'puts "FileUtils.rm_rf(\'/\')" # FileUtils.rm_rf("/")', [],
                 id="ruby-lookalike"),
    # --- php -------------------------------------------------------------------------------
    pytest.param("php", 'system("rm -rf /x");', [(S, "rm -rf /x", False, 1)], id="php-system"),
    pytest.param("php", "unlink('/tmp/a');\nrmdir('/tmp/d');",
                 [(D, "/tmp/a", False, 1), (D, "/tmp/d", False, 2)], id="php-unlink-rmdir"),
    pytest.param("php", "eval($code);\nshell_exec('ls');\n$o = `whoami`;",
                 [(O, None, False, 1), (S, "ls", False, 2), (S, "whoami", False, 3)], id="php-eval-shell"),
    pytest.param("php", "file_put_contents(getenv('HOME') . '/.bashrc', 'x');",
                 [(W, "~/.bashrc", False, 1)], id="php-write-home"),
    pytest.param("php", '$db->exec("DELETE FROM t");\necho "system(\'x\')";', [],
                 id="php-lookalike-method-and-string"),
]


@pytest.mark.parametrize("lang,code,expected", CASES)
def test_effects(lang, code, expected):
    assert summary(lang, code) == expected


@pytest.mark.parametrize("lang,code", [
    ("python", 'print("shutil.rmtree(\'/\')")'),
    ("python", "# os.remove(x)\nx = 1"),
    ("python", 'msg = "subprocess.run([\'rm\', \'-rf\', \'/\'])"\nprint(msg)'),
    ("node", 'console.log("fs.rmSync")'),
    ("node", "const s = `child_process.execSync('rm -rf /')`;"),
    ("perl", "print 'system(\"rm -rf /\")';"),
    ("ruby", "# system('rm -rf /')\nputs 1"),
    ("php", "// unlink('/etc/passwd');\necho 1;"),
])
def test_lookalikes_have_no_delete_or_shell(lang, code):
    kinds = {e.kind for e in effects(lang, code)}
    assert not kinds & {"delete", "shell", "opaque"}


def test_open_default_mode_is_read_not_write():
    (eff,) = effects("python", 'open("out.txt")')
    assert (eff.kind, eff.target) == ("read", "out.txt")


def test_unknown_language_and_empty_code():
    assert effects("cobol", "DISPLAY 'rm -rf /'") == []
    assert effects("python", "") == []
    assert effects(None, "x") == []


def test_language_name_is_case_insensitive():
    assert summary("Python", 'import os\nos.remove("/x")') == [("delete", "/x", False, 2)]


@pytest.mark.parametrize("lang", ["python", "node", "perl", "ruby", "php", "deno"])
@pytest.mark.parametrize("code", [
    "(((((", "'''", '"unterminated', "`${", "#{", "\x00\x01", "qx{", "%w[", "=begin",
    "exec(" * 200, ")" * 50, "x = " + "(" * 300 + "1" + ")" * 300,
])
def test_never_raises(lang, code):
    result = effects(lang, code)
    assert isinstance(result, list)
    assert all(isinstance(e, Effect) for e in result)


def test_deeply_nested_python_falls_back_without_raising():
    code = "import os\nos.remove('/x')\n" + "x = " + "[" * 2000 + "]" * 2000
    assert ("delete", "/x", False, 2) in summary("python", code)


def test_syntax_error_fallback_resolves_simple_values():
    code = 'import os, shutil\nshutil.rmtree(os.path.expanduser("~/proj"))\nos.system("ls")\ndef ('
    assert summary("python", code) == [("delete", "~/proj", True, 2), ("shell", "ls", False, 3)]


def test_nested_exec_is_bounded():
    code = "exec(" * 10 + "x" + ")" * 10
    effs = effects("python", code)
    assert effs and all(e.kind == "opaque" for e in effs)


def test_evidence_is_source_text_trimmed():
    (eff,) = effects("python", 'import os\nos.system("echo ' + "a" * 300 + '")')
    assert eff.evidence.startswith('os.system("echo aaa')
    assert len(eff.evidence) <= 160
    (eff,) = effects("node", "const fs = require('fs');\nfs.unlinkSync('a.txt')")
    assert eff.evidence == "fs.unlinkSync('a.txt')"


def test_effect_equality_and_repr():
    a = Effect("delete", "~", 3, "shutil.rmtree(h)", recursive=True)
    b = Effect("delete", "~", 3, "shutil.rmtree(h)", True)
    c = Effect("delete", "~", 3, "shutil.rmtree(h)")
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert a != ("delete", "~")
    assert "delete" in repr(a) and "recursive=True" in repr(a)
    assert not hasattr(a, "__dict__")


def test_results_are_sorted_by_line_and_deduplicated():
    code = 'import os\nos.remove("/b")\nos.remove("/a")\n'
    assert [e.line for e in effects("python", code)] == [2, 3]


def test_a_scanner_that_breaks_fails_closed(monkeypatch):
    """An internal error in the code scanners is never read as "this code does nothing"."""
    from interlock.analysis import inline

    def broken(*a, **k):
        raise RuntimeError("scanner bug")

    monkeypatch.setattr(inline, "_rx_effects", broken)
    monkeypatch.setattr(inline, "_py_effects", broken)
    for lang in ("node", "python", "ruby"):
        effs = inline.effects(lang, "doSomething()")
        assert [e.kind for e in effs] == ["opaque"] and "RuntimeError" in effs[0].evidence, lang
