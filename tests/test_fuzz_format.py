"""Fuzzing the platform formatters (Hypothesis) with random model output: Markdown, mentions, links, citation
labels, secrets and very long text. Whatever a model writes: no ping, no hidden link target, no secret, and every
message inside the platform's limits (issue 23). `make fuzz` runs these for minutes (tests/fuzzing.py).
"""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from adapters import discord_format as dfmt
from adapters import slack_format as sfmt
from bot.common.models import Answer, Source
from tests.fuzzing import TRIED, budget, run_for

pytestmark = pytest.mark.fuzz

SECRETS = ["xoxb-1111-2222-AbCdEfGhIjKl", "xoxp-99-88-qwerty", "xapp-1-A0001-3333-abcdef", "ghp_" + "a1B2" * 9,
           "sk-proj-" + "Zz9" * 8, "github_pat_" + "x9" * 15, "AKIA" + "ABCDEFGHIJKLMNOP"]
MENTIONS = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S012>", "<@U0123ABC>", "<@U0123|ann>", "@everyone",
            "@here", "<@123456789012345678>", "<@!123456789012345678>", "<@&123456789012345678>", "<@1>",
            "<#C0123|general>", "@\u200beveryone", "＠everyone", "<!channel|channel>"]
LINKS = ["[click](http://evil.example/x)", "[https://good.example](https://evil.example/steal)",
         "<http://evil.example|totally safe>", "[x][ref]\n\n[ref]: http://evil.example", "![img](http://e.example/i.png)",
         "[a](javascript:alert(1))", "<https://plain.example>", "[a](<http://e.example/a b>)", "https://bare.example/x",
         "[label](http://evil.example \"title\")", "[[china-russia ¶3]](http://evil.example)", "[](http://e.example)"]
MARKDOWN = ["**bold**", "_it_", "~~strike~~", "`code`", "```\nfence <!here>\n```", "# Heading", "> quote", "- item",
            "1. one", "---", "\\*escaped\\*", "<b>html</b>", "&amp;", "&lt;!channel&gt;", "|pipe|", "~~~\ncode\n~~~"]
LABELS = ["[china-russia ¶3]", "[china-russia ¶16]", "[3]", "[nep ¶99]", "[china-russia ¶3, china-russia ¶16]"]
LABELLED = re.compile(r"\[china-russia ¶\d+\]")

fragments = st.one_of(
    st.sampled_from(SECRETS), st.sampled_from(MENTIONS), st.sampled_from(LINKS), st.sampled_from(MARKDOWN),
    st.sampled_from(LABELS), st.text(max_size=40),
    st.builds(lambda w, n: (w + " ") * n, st.sampled_from(["word", "lang-woord", "ü"]), st.integers(0, 2500)),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "*", "<", "&", "[", "`", "\n", "_"]), st.integers(0, 9000)),
)
separators = st.sampled_from(["", " ", "\n", "\n\n", " — ", "*", "`"])


@st.composite
def model_replies(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(fragments, separators), max_size=12))
    return "".join(f + s for f, s in parts)


def source(n: int, title: str = "China and Russia", url: str = "") -> Source:
    return Source("2023-03-china-russia", title, n, f"Paragraaf {n} van het artikel.", 0.9, "2023-03", "nl",
                  "china-russia", url)


answers = st.builds(
    Answer,
    text=model_replies(),
    sources=st.lists(st.builds(source, st.integers(1, 40), st.sampled_from(["China", "<!here> *t*", "T" * 300]),
                               st.sampled_from(["", "https://news.example/a", "javascript:x"])), max_size=30)
    .map(tuple),
    grounded=st.booleans(),
    language=st.sampled_from(["en", "nl"]),
    id=st.sampled_from(["", "abc123"]),
)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text or s[:10] in text]


# --- Slack ---------------------------------------------------------------------------------------------------------

SLACK_PING = re.compile(r"<[!@#]|<\s*!")  # <!channel>, <!here>, <!everyone>, <!subteam^…>, <@U…>, <#C…>
SLACK_HIDDEN = re.compile(r"<([^<>|]*)\|([^<>]*)>")  # <target|label>: the label hides where the link goes


def slack_texts(blocks: list[dict]) -> list[tuple[str, str]]:
    """(block type, text) of every text in the blocks."""
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(("section", b["text"]["text"]))
        elif b["type"] == "context":
            out += [("context", e["text"]) for e in b["elements"]]
    return out


def check_slack(answer: Answer) -> None:
    TRIED["format slack"] += 1
    text, blocks = sfmt.format_answer(answer)
    assert len(blocks) <= sfmt.MAX_BLOCKS and len(text) <= 40_000
    assert len(json.dumps(blocks)) < 30_000
    for kind, t in [("text", text), *slack_texts(blocks)]:
        assert not SLACK_PING.search(t), (kind, t[:300])
        assert not leaks(t), (kind, t[:300])
        if kind == "section" or kind == "text":
            assert len(t) <= 3_000
            # a link the model wrote shows its target: the only <url|label> links are the sources' own titles
            assert not SLACK_HIDDEN.search(t), (kind, t[:300])
    ptext, pblocks = sfmt.streaming_message(answer.text)  # the LLM engine streams whole words only
    for t in [ptext, *(x for _, x in slack_texts(pblocks))]:
        assert not SLACK_PING.search(t) and not leaks(t) and not SLACK_HIDDEN.search(t) and len(t) <= 3_000


@given(answer=answers)
@example(answer=Answer("<!channel> " + SECRETS[0] + " [x](http://evil.example)", (), True, "en"))
@example(answer=Answer("<" * 9000, (source(3),), True, "nl", id="abc123"))
@budget(ci=80, fuzz=5_000)
def _fuzz_slack(answer: Answer) -> None:
    check_slack(answer)


def test_slack_messages_from_random_model_output_ping_nobody_hide_no_link_and_fit() -> None:
    run_for("format slack", _fuzz_slack)


# --- Discord -------------------------------------------------------------------------------------------------------

DISCORD_PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
_COMMONMARK = MarkdownIt("commonmark")


def embed_chars(embed: dict) -> int:
    return dfmt.embed_chars(embed)


def hidden_links(text: str) -> list[str]:
    """Links in Discord Markdown whose text is not their target, read by a CommonMark parser (code spans and escapes
    as Discord reads them): only autolinks `<https://…>`, which show the target, may remain."""
    out = []
    for block in _COMMONMARK.parse(text):
        for tok in block.children or []:
            if tok.type == "link_open" and tok.markup != "autolink":
                out.append(str(tok.attrGet("href")))
    return out


def check_discord(answer: Answer) -> None:
    TRIED["format discord"] += 1
    messages = dfmt.format_answer(answer)
    assert messages
    for m in messages:
        content = m["content"]
        assert len(content) <= dfmt.MAX_CONTENT
        assert not DISCORD_PING.search(content), content[:300]
        assert not hidden_links(content), content[:300]
        assert not leaks(content), content[:300]
        assert len(m["embeds"]) <= dfmt.MAX_EMBEDS_PER_MESSAGE
        assert sum(embed_chars(e) for e in m["embeds"]) <= dfmt.MAX_EMBED_TOTAL
        for e in m["embeds"]:
            assert len(e.get("title", "")) <= dfmt.MAX_EMBED_TITLE
            assert len(e.get("description", "")) <= dfmt.MAX_EMBED_DESCRIPTION
            assert len(e.get("fields", [])) <= dfmt.MAX_FIELDS
            for f in e.get("fields", []):
                assert len(f["name"]) <= dfmt.MAX_FIELD_NAME and len(f["value"]) <= dfmt.MAX_FIELD_VALUE
                assert not DISCORD_PING.search(f["name"] + f["value"])
            assert len(e.get("footer", {}).get("text", "")) <= dfmt.MAX_FOOTER
    preview = dfmt.format_preview(answer.text)
    assert len(preview) <= dfmt.MAX_CONTENT and not DISCORD_PING.search(preview) and not leaks(preview)
    assert not hidden_links(preview), preview[:300]


@given(answer=answers)
@example(answer=Answer("@everyone " + SECRETS[3] + " [x](http://evil.example) <@123456789012345678>", (), True, "en"))
@example(answer=Answer("[" * 9000, tuple(source(n) for n in range(1, 30)), True, "nl", id="abc123"))
@example(answer=Answer(SECRETS[0] + "[a](javascript:alert(1)) [x][a](http://evil.example)", (), False, "en"))
@example(answer=Answer("word " * 400 + "[a](<http://e.example/a b>)", (), False, "en"))  # a preview cut in the link
@example(answer=Answer(SECRETS[0] + "````\nfence <!here>\n```" + SECRETS[0] + "`[click](http://evil.example/x)````", (),
                       False, "en"))
@example(answer=Answer(SECRETS[0] + "`[click](http://evil.example/x)# Heading`" + "x" * 2500, (), False, "en"))
@example(answer=Answer("`" * 300 + "\n\n" + "[" * 2500 + "\n\n[click](http://evil.example/x)", (), True, "nl"))
@example(answer=Answer("[x][ref]\n\n[ref]: http://evil.example " + "x" * 3000, (), False, "en"))  # found by make fuzz
@example(answer=Answer(SECRETS[0] + "```\nfence <!here>\n```\n" + "`" * 1500 + " [click](http://evil.example/x)", (),
                       False, "en"))  # found by make fuzz: a run of backticks in fenced code
@budget(ci=80, fuzz=5_000)
def _fuzz_discord(answer: Answer) -> None:
    check_discord(answer)


def test_discord_messages_from_random_model_output_ping_nobody_hide_no_link_and_fit() -> None:
    run_for("format discord", _fuzz_discord)
