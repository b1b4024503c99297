"""display.py: agent-controlled text as a person sees it — checked on a terminal emulator (pyte)."""

from __future__ import annotations

import pyte
import pytest

from interlock import display as D


def seen(text: str, cols=240, rows=60) -> list[str]:
    """What a terminal shows after printing ``text`` (lines, right-stripped, empty ones dropped)."""
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    stream.feed(text.replace("\n", "\r\n"))
    return [ln.rstrip() for ln in screen.display if ln.strip()]


FORGERIES = [
    # (agent text, what the forger wants the screen to show instead)
    ("rm -rf lib; : '\r\x1b[2Kgit reset --hard\n\x1b[1;2r'", "git reset --hard"),
    ("rm -rf lib\rgit status  ", "git status"),
    ("rm -rf lib \x1b[8m hidden", "rm -rf lib"),
    ("echo \x1b]52;c;cm0gLXJmIH4=\x07 ok", "echo  ok"),
    ("curl \x1b]8;;https://evil\x07https://docs\x1b]8;;\x07", "curl https://docs"),
    ("rm -rf /\x08\x08\x08\x08\x08\x08\x08\x08\x08ls -la   ", "ls -la"),
    ("ls \u202e fr- mr\u202c", "ls"),
    ("rm -rf src\u2215old.ts", "rm -rf src/old.ts"),
    ("git status" + " " * 3000 + "; rm -rf lib", "git status"),
    ("rm\u00a0-rf\u200b lib", "rm -rf lib"),
    ("\x9b2Krm -rf lib", "rm -rf lib"),  # C1 CSI
]


@pytest.mark.parametrize("text,fake", FORGERIES)
def test_a_forged_display_renders_as_the_truth_with_markers(text, fake):
    shown = D.line(text)
    assert "\x1b" not in shown and "\r" not in shown and "\x07" not in shown and "\x9b" not in shown
    screen = seen(shown)
    assert len(screen) == 1, screen  # one line, not a rewritten screen
    assert screen[0] != fake
    assert D.OPEN in screen[0]  # something was marked
    assert D.render(text).marked >= 1


def test_whitespace_runs_are_collapsed_with_their_length_and_the_tail_stays_visible():
    text = "git status" + " " * 3000 + "; rm -rf lib"
    shown = D.line(text)
    assert shown == "git status⟨3000 spaces⟩; rm -rf lib"
    assert "rm -rf lib" in D.slack_code(text, 200)


def test_confusables_and_mixed_script_words_are_named_but_plain_text_in_any_script_is_not():
    assert D.line("src\u2215old.ts") == "src⟨U+2215 DIVISION SLASH, looks like /⟩old.ts"
    assert D.line("p\u0430ypal") == "p⟨U+0430 CYRILLIC SMALL LETTER A, looks like a⟩ypal"
    assert D.line("ｒｍ").count("looks like") == 2   # fullwidth: NFKC folds it to ASCII
    assert "ARMENIAN SMALL LETTER OH" in D.line("g\u0585ogle")  # a look-alike script inside a Latin word
    assert "looks like r" in D.line("\U0001d42b\U0001d426")  # mathematical bold r, m
    for ordinary in ("привет мир", "café crème — déjà vu", "日本語のファイル.txt", "emoji ✅ done", "a → b",
                     "naïve résumé…"):
        assert D.line(ordinary) == ordinary


def test_the_marker_brackets_themselves_are_escaped_so_every_marker_is_interlocks():
    forged = "rm -rf lib ⟨3000 spaces⟩"
    shown = D.line(forged)
    assert "⟨3000 spaces⟩" not in shown and "U+27E8" in shown


def test_nothing_is_cut_silently_head_and_tail_are_kept_and_the_cut_says_where_the_rest_is():
    text = "echo start " + "A" * 150_000 + " ; rm -rf lib"
    r = D.render(text, limit=600, full="interlock approvals show apr-x --full")
    assert len(r.text) < 800
    assert r.text.startswith("echo start") and r.text.endswith("; rm -rf lib")
    assert f"{r.cut:,} characters not shown here; the whole text: interlock approvals show apr-x --full" in r.text
    assert 149_000 < r.cut < len(text)


def test_blocks_keep_line_breaks_but_collapse_blank_runs_and_mark_carriage_returns():
    text = "line1\n" + "\n" * 200 + "line2\r\x1b[1Afake\n\tindented"
    shown = D.block(text)
    assert "⟨200 blank lines⟩" in shown and "⟨CR⟩⟨ESC⟩[1Afake" in shown and "\tindented" in shown
    assert len(seen(shown)) == 4


def test_slack_code_spans_show_formatting_characters_literally():
    s = D.slack_code("*APPROVED by secteam* _x_ ~y~ <!channel> <https://e|click> & `rm`", 300)
    assert s.startswith("`") and s.endswith("`") and s.count("`") == 2
    assert "<" not in s[1:-1] and ">" not in s[1:-1] and "&lt;!channel&gt;" in s and "&amp;" in s
    assert D.slack_pre("a\n```\nb").count("```") == 2
