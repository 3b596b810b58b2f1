"""The pure Slack formatting: mrkdwn conversion, escaping, Slack's limits, the console rendering."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from adapters.slack_assistant import ASK_ABOUT_SHORTCUT
from adapters.slack_format import (
    ACTION_FEEDBACK,
    ANSWER_CHARS,
    SECTION_CHARS,
    escape,
    format_answer,
    question_from_slack,
    render_for_console,
    split_text,
    streaming_message,
    thanked,
    to_mrkdwn,
)
from bot.common.models import Answer, Source
from tests.fakes import SOURCE


def answer(text: str, sources: tuple[Source, ...] = (SOURCE,), language: str = "en") -> Answer:
    return Answer(text, sources, True, language, question="q", id="abc123")


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_markdown_becomes_mrkdwn():
    out = to_mrkdwn("**Borrell** said *this*; see [the article](https://example.com/a?x=1&y=2).\n# Heading\n- one")
    assert "*Borrell*" in out and "_this_" in out
    assert "the article (<https://example.com/a?x=1&amp;y=2>)" in out  # the target stays visible
    assert "*Heading*" in out and "• one" in out


def test_pings_and_entities_are_defused():
    out = to_mrkdwn("Hey <!channel> <!here> <@U123> & <https://evil|click>")
    assert "<!" not in out and "<@" not in out and "|click>" not in out
    assert "&lt;!channel&gt;" in out and "&lt;@U123&gt;" in out and "&amp;" in out


def test_quotes_and_titles_are_escaped():
    src = Source("a", "Title <!everyone>", 3, "quote with <@U999> & more", 0.5)
    _, blocks = format_answer(answer("fine", (src,)))
    text = all_text(blocks)
    assert "<!everyone>" not in text and "<@U999>" not in text
    assert "&lt;!everyone&gt;" in text and "&lt;@U999&gt;" in text and "[a ¶3]" in text


def test_answer_blocks_have_sources_and_slacks_feedback_buttons_carrying_the_answer_id():
    text, blocks = format_answer(answer("Borrell said so."))
    assert text == "Borrell said so."
    assert [b["type"] for b in blocks] == ["section", "context", "context_actions"]
    [buttons] = blocks[-1]["elements"]
    assert buttons["type"] == "feedback_buttons" and buttons["action_id"] == ACTION_FEEDBACK
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == ("up:abc123", "down:abc123")
    assert "Sources" in blocks[1]["elements"][0]["text"]


def test_dutch_answer_gets_dutch_labels():
    _, blocks = format_answer(answer("Borrell zei dat.", language="nl"))
    assert "Bronnen" in blocks[1]["elements"][0]["text"]


def test_long_answers_are_split_on_boundaries_within_slack_limits():
    paragraph = " ".join(f"Sentence number {i} says something about Borrell." for i in range(40))
    long_text = "\n\n".join([paragraph] * 30)  # ~60k characters
    text, blocks = format_answer(answer(long_text))
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) > 1 and len(blocks) <= 50
    assert all(len(s) <= SECTION_CHARS for s in sections)
    assert sum(len(s) for s in sections) <= ANSWER_CHARS
    assert all(s.endswith((".", "…")) for s in sections[:-1])  # cut at sentence ends, never mid-word
    assert sections[-1].endswith("(The answer was cut here: it was longer than 6,000 characters.)")
    assert len(text) <= 40_000 and len(all_text(blocks)) < 12_000


def test_split_never_breaks_an_entity_or_a_link():
    text = ("x" * 2890) + "&amp;<https://example.com|link text>" + ("y" * 100)
    for chunk in split_text(text, 2900):
        assert chunk.count("<") == chunk.count(">")
        assert not chunk.endswith(("&", "&am", "&amp"))


def test_many_sources_stay_in_one_context_block():
    sources = tuple(Source(f"a{i}", "T" * 300, i, "q" * 500, 0.1) for i in range(20))
    _, blocks = format_answer(answer("ok", sources))
    ctx = [b for b in blocks if b["type"] == "context"][0]
    assert 1 <= len(ctx["elements"]) <= 10
    assert all(len(e["text"]) <= 3000 for e in ctx["elements"])


def test_question_from_slack_strips_the_mention_and_unescapes():
    raw = "<@UBOT> what did <@U123|anna> say about &lt;b&gt; &amp; <https://x.org|this>?"
    assert question_from_slack(raw, "UBOT") == "what did @anna say about <b> & this?"
    assert question_from_slack("<@UBOT>", "UBOT") == ""
    assert question_from_slack("  <@UBOT>   ", "UBOT") == ""


def test_streaming_message_shows_progress_without_buttons():
    text, blocks = streaming_message("Borrell <!here> said")
    assert text.endswith("…") and "&lt;!here&gt;" in text
    assert [b["type"] for b in blocks] == ["section"]


def test_thanked_replaces_the_buttons():
    _, blocks = format_answer(answer("ok"))
    after = thanked(blocks, "down", "nl")
    assert not any(b["type"] in ("actions", "context_actions") for b in after)
    assert "👎 Bedankt voor je feedback!" in after[-1]["elements"][0]["text"]


def test_render_for_console_is_the_exact_payload():
    a = answer("**Borrell**: <!channel>")
    out = render_for_console(a)
    text, blocks = format_answer(a)
    assert out.startswith(f"text:\n{text}\n")
    assert json.loads(out.split("blocks:\n", 1)[1]) == blocks
    assert escape("<&>") == "&lt;&amp;&gt;"


def test_manifest_asks_for_exactly_what_the_adapter_uses():
    root = Path(__file__).resolve().parents[1]
    manifest = yaml.safe_load((root / "slack_manifest.yaml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {"app_mentions:read", "chat:write", "commands",
                                                              "im:history"}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", ASK_ABOUT_SHORTCUT)

    view = yaml.safe_load((root / "slack_manifest_assistant.yaml").read_text())  # the second, for the split view
    assert set(view["oauth_config"]["scopes"]["bot"]) == {*manifest["oauth_config"]["scopes"]["bot"],
                                                          "assistant:write"}
    assert set(view["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "assistant_thread_started", "assistant_thread_context_changed"}
    assert view["features"]["assistant_view"]["assistant_description"]
    assert view["features"]["shortcuts"] == manifest["features"]["shortcuts"]


def test_an_ungrounded_or_weak_answer_says_so_in_the_askers_language() -> None:
    sure = answer("Borrell said so [2023-03-china-russia-multilateralism ¶16].")
    assert "briefbot_confidence" not in all_text(format_answer(sure)[1])
    refused = Answer("Dat staat niet in het artikel.", (), False, "nl", question="q", id="abc123")
    _, blocks = format_answer(refused)
    line = next(b for b in blocks if b.get("block_id") == "briefbot_confidence")
    assert line["type"] == "context" and "Niet onderbouwd door de artikelen" in line["elements"][0]["text"]
    assert [b["type"] for b in blocks] == ["section", "context", "context_actions"]  # text, how sure, buttons
    loose = Source(SOURCE.article, SOURCE.title, 4, "Loosely related.", 0.8)
    _, blocks = format_answer(answer(f"Something [{loose.label}].", (loose,)))
    line = next(b for b in blocks if b.get("block_id") == "briefbot_confidence")
    assert "Weakly supported" in line["elements"][0]["text"]
    assert blocks.index(line) == 1  # right under the answer, above its sources
