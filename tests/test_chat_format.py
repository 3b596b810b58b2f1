"""What both chat platforms show of an answer: visible link targets, capped model output, labels that match."""
from __future__ import annotations

import json
import re

import pytest

from adapters import discord_format as df
from adapters import slack_format as sf
from adapters.chat_markdown import listed_sources
from bot.common.models import Answer, Article, Source

A = Source("2023-03-china-russia", "China and Russia", 15, "Eén van hen is EU-Buitenlandchef Josep Borrell.", 0.9,
           "2023-03", tag="china-russia")
B = Source("2023-03-china-russia", "China and Russia", 16, "China heeft nog geen rode lijnen overschreden.", 0.8,
           "2023-03", tag="china-russia")
C = Source("2024-01-kim-clijsters", "Kim Clijsters retires", 7, "Clijsters won four Grand Slam titles.", 0.7,
           "2024-01", tag="kim-clijsters", url="https://example.com/news/kim?id=7&x=1")


def answer(text: str, sources: tuple[Source, ...] = (A, B, C), language: str = "en") -> Answer:
    return Answer(text, sources, True, language, question="q", id="abc123")


def slack_answer_text(a: Answer) -> str:
    _, blocks = sf.format_answer(a)
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def slack_sources_text(a: Answer) -> str:
    _, blocks = sf.format_answer(a)
    return "\n".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])


def discord_fields(a: Answer) -> list[dict]:
    return [f for m in df.format_answer(a) for e in m["embeds"] for f in e.get("fields", [])]


HOSTILE = (
    "Read [here](https://evil.example/phish) and [this too](<https://evil.example/two>) or [x](javascript:alert(1))."
)


def test_a_model_link_never_hides_its_target_on_slack() -> None:
    text = slack_answer_text(answer(HOSTILE))
    assert "here (<https://evil.example/phish>)" in text and "this too (<https://evil.example/two>)" in text
    assert not re.search(r"<[^>]*\|[^>]*>", text)  # no <url|label> link from model text
    assert "<javascript" not in text


def test_a_model_link_never_hides_its_target_on_discord() -> None:
    content = "\n".join(m["content"] for m in df.format_answer(answer(HOSTILE)))
    assert "here (<https://evil.example/phish>)" in content and "this too (<https://evil.example/two>)" in content
    assert not re.search(r"(?<!\\)\[[^\]]*\]\(", content)  # no live [label](url): the javascript one is escaped
    assert df.format_preview(HOSTILE).startswith("Read here (<https://evil.example/phish>)")


def test_markdown_survives_as_each_platforms_own_markup() -> None:
    md = "**Borrell** said *this* and ~~that~~:\n\n- one\n- two\n\n> a quote\n\n`code <b>`"
    slack = sf.to_mrkdwn(md)
    assert "*Borrell* said _this_ and ~that~:" in slack and "• one\n• two" in slack
    assert "> a quote" in slack and "`code &lt;b&gt;`" in slack
    discord = df.answer_text(answer(md))
    assert "**Borrell** said *this* and ~~that~~:" in discord and "- one\n- two" in discord
    assert "> a quote" in discord and "`code <b>`" in discord


def test_a_50000_character_reply_is_capped_with_a_note_on_both_platforms() -> None:
    huge = answer(" ".join(f"Sentence {i} about Borrell." for i in range(2500)))  # ~55,000 characters
    assert len(huge.text) > 50_000
    messages = df.format_answer(huge)
    assert len(messages) <= 4, len(messages)
    assert "(The answer was cut here: it was longer than 6,000 characters.)" in messages[-1]["content"]
    assert "…\n" in "\n".join(m["content"] for m in messages)  # cut at a word, marked
    text, blocks = sf.format_answer(huge)
    assert "(The answer was cut here: it was longer than 6,000 characters.)" in slack_answer_text(huge)
    assert len(json.dumps(blocks)) < 12_000 and len(text) <= sf.FALLBACK_CHARS


@pytest.mark.timeout(20)
@pytest.mark.parametrize("unit", ["[", "](", "*_", "<", "> ", "`", "[a](", "\\", "@everyone "])
def test_hostile_40000_character_replies_stay_inside_the_limits(unit: str) -> None:
    """Pathological Markdown is cut before it is parsed; the output stays inside both platforms' limits."""
    a = answer(unit * (40_000 // len(unit)))
    for m in df.format_answer(a):
        assert len(m["content"]) <= df.MAX_CONTENT
    assert len(df.format_answer(a)) <= 5
    _, blocks = sf.format_answer(a)
    assert all(len(b["text"]["text"]) <= sf.SECTION_CHARS for b in blocks if b["type"] == "section")


def test_sources_use_the_label_the_text_cites_and_only_the_cited_ones() -> None:
    a = answer("Borrell is the EU's foreign policy chief [china-russia ¶15]. Clijsters won four [kim-clijsters ¶7].")
    assert listed_sources(a) == (A, C)
    slack = slack_sources_text(a)
    assert "[china-russia ¶15]" in slack and "[kim-clijsters ¶7]" in slack and "¶16" not in slack
    names = [f["name"] for f in discord_fields(a)]
    assert [n.split("]")[0] + "]" for n in names] == ["[china-russia ¶15]", "[kim-clijsters ¶7]"]


def test_an_answer_that_cites_nothing_lists_every_source() -> None:
    a = answer("I can't find the answer in the article.")
    assert listed_sources(a) == (A, B, C)
    assert len(discord_fields(a)) == 3
    assert slack_sources_text(a).count("• ") == 3


def test_a_source_with_a_web_address_is_linked_and_a_bad_address_is_not() -> None:
    a = answer("Clijsters [kim-clijsters ¶7].")
    assert "<https://example.com/news/kim?id=7&amp;x=1|Kim Clijsters retires>" in slack_sources_text(a)
    [field] = discord_fields(a)
    assert field["value"].endswith("\n<https://example.com/news/kim?id=7&x=1>")
    [embed] = [e for m in df.format_sources(a) for e in m["embeds"] if "kim-clijsters" in e["title"]]
    assert embed["url"] == C.url
    for bad in ("javascript:alert(1)", "https://x.example/a>b|c", "ftp://files.example/x"):
        evil = answer("x [kim-clijsters ¶7]", (Source("k", "Kim", 7, "t", 0.5, tag="kim-clijsters", url=bad),))
        assert bad not in slack_sources_text(evil) and "<ftp" not in slack_sources_text(evil)
        assert bad not in discord_fields(evil)[0]["value"]
        assert "url" not in df.format_sources(evil)[0]["embeds"][0]


def test_long_quotes_are_cut_at_a_word_with_an_ellipsis() -> None:
    words = [f"woord_{i}*x" for i in range(200)]  # escapes make the rendering longer than the text
    long = Source("2023-03-china-russia", "China", 3, " ".join(words), 0.5, tag="china-russia")
    a = answer("x", (long,))
    [field] = discord_fields(a)
    value = field["value"]
    assert value.endswith("…") and len(value) <= df.QUOTE_CHARS
    last = value.removeprefix("> ").removesuffix("…").split()[-1].replace("\\", "")
    assert last in words  # a whole word before the ellipsis, never half of one
    slack = slack_sources_text(a)
    quote = slack.split("“", 1)[1].split("”", 1)[0]
    assert quote.endswith("…") and quote.removesuffix("…").split()[-1] in words


def test_about_says_article_in_the_singular_for_one() -> None:
    one = df.format_about([Article("a", "Only news", "2023-03", "nl")], "en")
    text = "\n".join(e.get("description", "") for m in one for e in m["embeds"])
    assert "this news article" in text and "these 1" not in text
    many = df.format_about([Article("a", "A", "", "en"), Article("b", "B", "", "en")], "nl")
    assert "deze 2 nieuwsartikelen" in "\n".join(e.get("description", "") for m in many for e in m["embeds"])
