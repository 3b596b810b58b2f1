"""The pure Discord formatting: Discord's limits hold for any input, text splits where a reader would split it."""
from __future__ import annotations

import re

import pytest

from adapters import discord_format as df
from bot.common.models import Answer, Article, Source
from tests.fakes import SOURCE, sentences


def answer(text: str, sources: tuple[Source, ...] = (SOURCE,), **kw: object) -> Answer:
    return Answer(text, sources, kw.pop("grounded", True), kw.pop("language", "en"), "q?", "a1b2c3", **kw)


def assert_within_limits(messages: list[dict]) -> None:
    for m in messages:
        assert m["content"] or m["embeds"], "Discord rejects an empty message"
        assert len(m["content"]) <= df.MAX_CONTENT
        assert len(m["embeds"]) <= df.MAX_EMBEDS_PER_MESSAGE
        assert sum(df.embed_chars(e) for e in m["embeds"]) <= df.MAX_EMBED_TOTAL
        for e in m["embeds"]:
            assert len(e.get("title", "")) <= df.MAX_EMBED_TITLE
            assert len(e.get("description", "")) <= df.MAX_EMBED_DESCRIPTION
            assert len(e.get("fields", [])) <= df.MAX_FIELDS
            for f in e.get("fields", []):
                assert 0 < len(f["name"]) <= df.MAX_FIELD_NAME and 0 < len(f["value"]) <= df.MAX_FIELD_VALUE


def test_split_prefers_paragraphs_then_sentences_and_never_cuts_words():
    text = sentences(5000)
    chunks = df.split_text(text)
    assert len(chunks) >= 3 and all(len(c) <= df.MAX_CONTENT for c in chunks)
    assert re.sub(r"\s", "", "".join(chunks)) == re.sub(r"\s", "", text)
    for c in chunks[:-1]:
        assert c.endswith("."), f"chunk does not end at a sentence: …{c[-30:]!r}"
    words = set(text.split())
    assert all(w in words for c in chunks for w in c.split())


def test_only_a_word_longer_than_the_limit_is_cut_mid_word():
    chunks = df.split_text("short " + "x" * 4500 + " tail")
    assert [len(c) for c in chunks] == [5, 2000, 2000, 505]


def test_a_split_code_block_is_closed_and_reopened():
    code = "Here:\n```\n" + "\n".join(f"print({i})" for i in range(400)) + "\n```\nDone."
    chunks = df.split_text(code)
    assert len(chunks) > 1 and all(len(c) <= df.MAX_CONTENT for c in chunks)
    assert all(c.count("```") % 2 == 0 for c in chunks)


def test_mentions_are_defused_and_masked_links_unmasked():
    ids = "<@&123456789012345678> <@!223456789012345678> <@323456789012345678>"  # Discord ids are 17-20 digits
    text = df.answer_text(answer(f"Hi @everyone and @here, {ids}: see [this](https://evil.example/x)"))
    assert not re.search(r"@everyone|@here|<@[!&]?\d", text)
    assert "this (<https://evil.example/x>)" in text


def test_answer_gets_a_source_embed_with_title_paragraph_and_quote():
    [msg] = df.format_answer(answer("According to the article, Borrell spoke."))
    assert msg["content"] == "According to the article, Borrell spoke."
    [embed] = msg["embeds"]
    assert embed["title"] == "Sources"
    [field] = embed["fields"]
    assert field["name"].startswith(f"[{SOURCE.label}] ") and SOURCE.title.split(";")[0] in field["name"]
    assert "2023-03" in field["name"]
    assert field["value"] == "> Eén van hen is EU-Buitenlandchef Josep Borrell."
    assert_within_limits([msg])


def test_many_long_sources_stay_inside_every_embed_limit():
    many = tuple(Source(f"a{i}", "T" * 400, i, "word " * 900, 0.5, "2023-03") for i in range(40))
    msgs = df.format_answer(answer(sentences(4100), many, language="nl"))
    assert_within_limits(msgs)
    embed = msgs[-1]["embeds"][0]
    assert embed["title"] == "Bronnen"
    assert "/sources" in embed["footer"]["text"]  # the ones that didn't fit are pointed at, not dropped silently


def test_sources_show_every_passage_in_full_across_messages():
    long = tuple(
        Source(f"a{i}", f"Title {i}", i, f"Passage {i}. " + "lorem ipsum " * 700, 0.5, "2023") for i in range(12)
    )
    msgs = df.format_sources(answer("x", long))
    assert_within_limits(msgs)
    shown = "".join(e.get("description", "") for m in msgs for e in m["embeds"])
    for s in long:
        assert f"Passage {s.paragraph}." in shown
    assert re.sub(r"\s", "", shown).count("loremipsum") == 12 * 700


def test_about_lists_articles_newest_first_with_dates_and_how_to_ask():
    arts = [Article("a", "Old news", "2021-01", "en"), Article("b", "New *news*", "2024-05", "nl")]
    msgs = df.format_about(arts, "en")
    assert_within_limits(msgs)
    text = "\n".join(e.get("description", "") for m in msgs for e in m["embeds"])
    assert text.index("New \\*news\\*") < text.index("Old news") and "2024-05" in text and "/ask" in text
    many = [Article(str(i), f"Article number {i} " * 6, f"2023-{i % 12 + 1:02d}", "en") for i in range(300)]
    assert_within_limits(df.format_about(many, "nl"))


def test_preview_stays_under_the_content_limit():
    assert len(df.format_preview("word " * 2000)) <= df.MAX_CONTENT


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_answer_still_says_something(text: str):
    [msg] = df.format_answer(answer(text, ()))
    assert msg["content"] and msg["embeds"] == []


def test_console_rendering_shows_content_embed_and_buttons():
    out = df.render_for_console(answer("According to the article, Borrell spoke."))
    assert "According to the article, Borrell spoke." in out
    assert "embed: Sources" in out and "¶16" in out and "[👍 Helpful]" in out and "[👎 Not helpful]" in out


def test_feedback_custom_ids_carry_the_answer_id():
    ids = [b["custom_id"] for b in df.feedback_buttons(answer("x"))]
    assert ids == ["briefbot:fb:up:a1b2c3", "briefbot:fb:down:a1b2c3"]
    assert all(re.fullmatch(df.FEEDBACK_TEMPLATE, i) for i in ids)
