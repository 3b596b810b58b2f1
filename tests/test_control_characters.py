"""Control characters in a question (a NUL, an escape sequence, a bell) never change which question is read, and the
embedder reads past a NUL (issue 23: "Who is\\x00 Guterres?" was answered `EU`)."""
from __future__ import annotations

import pytest

from bot.core.bot import Bot, visible_text
from knowledge.controls import readable
from tests.fakes import FakeEngine, FakeRetriever

VARIANTS = ["Who is\x00 Guterres?", "Who\x00is Guterres?", "Who is\x1b[31m Guterres?\x1b[0m",
            "Who is\x07 Guterres?\x7f", "\x00\x01Who is\x85 Guterres?\x1f", "Who is\u200b Guterres?"]


@pytest.mark.parametrize("text", VARIANTS)
def test_controls_become_spaces_before_the_question_is_read(text: str) -> None:
    assert visible_text(text) == "Who is Guterres?"
    bot = Bot(FakeRetriever(), FakeEngine(), store=None)  # type: ignore[arg-type]
    assert bot.check(text) == ("Who is Guterres?", "en")


def test_tabs_and_line_breaks_still_separate_words_and_printable_text_is_kept() -> None:
    assert visible_text("Wie is\tBorrell?\r\nEn Xi?") == "Wie is Borrell? En Xi?"
    assert visible_text("Crème brûlée, 16.200 € — „citaat”") == "Crème brûlée, 16.200 € — „citaat”"


def test_the_embedder_input_keeps_its_length_and_loses_its_controls() -> None:
    assert readable("a\x00b\x1bc\td\ne") == "a b c\td\ne"
    assert len(readable("x\x00" * 50)) == 100


def test_the_embedder_reads_past_a_nul(real_bot: Bot) -> None:
    embedder = real_bot.retriever.embedder  # type: ignore[attr-defined]
    assert embedder.token_ids("Who is\x00 Guterres?", query=True) == embedder.token_ids("Who is  Guterres?", query=True)


@pytest.mark.parametrize("text", VARIANTS[:4])
def test_a_question_with_controls_gets_the_same_answer(real_bot: Bot, text: str) -> None:
    plain = real_bot.answer("Who is Guterres?", "plain")
    noisy = real_bot.answer(text, "noisy")
    assert noisy.text == plain.text and noisy.grounded
    assert "Guterres" in noisy.text or "Verenigde Naties" in noisy.text
