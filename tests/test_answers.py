"""The real offline Bot on the bundled article: framing, citations, refusals, follow-ups, bad input, feedback."""
from __future__ import annotations

import re

import pytest

from bot.core import Bot
from bot.errors import InputError
from bot.language import phrase
from bot.models import Answer

QUOTE_LINE = re.compile(r"\[(\d+)\]: „(.+)”$")
CITATION = re.compile(r"\[(\d+)\]")

ANSWERABLE = [
    ("What did Borrell say about China?", "en"),
    ("Who is Guterres?", "en"),
    ("Which court issued an arrest warrant against Putin?", "en"),
    ("What do Moscow and Beijing oppose, according to their joint statement?", "en"),
    ("Wat zei Borrell over China?", "nl"),
    ("Wie kondigde de conferentie over gedeporteerde kinderen aan?", "nl"),
    ("Hoe omschrijft het artikel de EU als voorbeeld van multilateralisme?", "nl"),
]


def _quotes(answer: Answer) -> list[tuple[int, str]]:
    """(paragraph, quoted text) for each framed line of an extractive answer."""
    out = []
    for line in answer.text.splitlines():
        m = QUOTE_LINE.search(line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def test_english_question_gets_english_framing(real_bot: Bot) -> None:
    """The framing follows the asker's language even though the article is Dutch."""
    answer = real_bot.answer("What did Borrell say about China?", "t")
    assert answer.grounded and answer.language == "en"
    assert re.match(r"According to the article \[\d+\]: „", answer.text)
    assert "Volgens het artikel" not in answer.text


def test_dutch_question_gets_dutch_framing(real_bot: Bot) -> None:
    """A Dutch question is framed in Dutch."""
    answer = real_bot.answer("Wat zei Borrell over China?", "t")
    assert answer.grounded and answer.language == "nl"
    assert re.match(r"Volgens het artikel \[\d+\]: „", answer.text)
    assert "According to" not in answer.text


@pytest.mark.parametrize("question,language", ANSWERABLE)
def test_citations_point_at_sources_and_quotes_are_real(real_bot: Bot, question: str, language: str) -> None:
    """Every [n] names a paragraph in answer.sources, and each quote is verbatim text of the paragraph it cites."""
    answer = real_bot.answer(question, f"t:{question}")
    assert answer.grounded, answer.text
    assert answer.language == language
    paragraphs = {s.paragraph: s.text for s in answer.sources}
    cited = [int(n) for n in CITATION.findall(answer.text)]
    assert cited and all(n in paragraphs for n in cited)
    assert answer.sources[0].paragraph == cited[0]  # the passage quoted first is listed first
    quotes = _quotes(answer)
    assert quotes, answer.text
    for paragraph, quote in quotes:
        assert quote in paragraphs[paragraph], (paragraph, quote)


@pytest.mark.parametrize(
    "question,language",
    [
        ("What is the capital of Peru?", "en"),
        ("Geef me een recept voor chocoladetaart", "nl"),
        ("Hoe bak ik een appeltaart?", "nl"),
    ],
)
def test_off_topic_is_refused_in_the_askers_language(real_bot: Bot, question: str, language: str) -> None:
    """Off-topic questions are not answered from the article; the closest passages are still offered."""
    answer = real_bot.answer(question, "t")
    assert answer.grounded is False
    assert answer.language == language
    assert answer.text.startswith(phrase("not_found", language))
    assert phrase("closest", language, cite="[").split("[")[0] in answer.text
    assert answer.sources, "the closest passages should be listed"
    cited = [int(n) for n in CITATION.findall(answer.text)]
    assert all(n in {s.paragraph for s in answer.sources} for n in cited)


@pytest.mark.parametrize(
    "question",
    ["What did Macron say about the summit?", "Wat zei Angela Merkel over Beijing?"],
)
def test_question_about_someone_absent_is_refused(real_bot: Bot, question: str) -> None:
    """Naming a person the article never mentions must not produce a quote about someone else."""
    answer = real_bot.answer(question, "t")
    assert answer.grounded is False, answer.text
    assert answer.text.startswith(phrase("not_found", answer.language))


def test_follow_up_uses_the_previous_question(real_bot: Bot) -> None:
    """'and what did he say about that?' is searched together with the previous turn of the same conversation."""
    first = real_bot.answer("Who is Josep Borrell?", "conv-a")
    assert first.grounded
    follow = "and what did he say about that?"
    assert real_bot.query_for(follow, "conv-a") == f"Who is Josep Borrell? {follow}"
    assert real_bot.query_for(follow, "conv-b") == follow
    answer = real_bot.answer(follow, "conv-a")
    assert answer.grounded
    cited = {int(n) for n in CITATION.findall(answer.text)}
    assert cited and cited <= {15, 16}, answer.text
    assert {s.paragraph for s in answer.sources[:2]} & {15, 16}


def test_follow_up_in_another_conversation_is_not_widened(real_bot: Bot) -> None:
    """Memory is per conversation: another id's history never leaks into the query."""
    real_bot.answer("Who is Josep Borrell?", "conv-a")
    other = real_bot.answer("and what did he say about that?", "conv-b")
    assert "Borrell" not in real_bot.query_for("and what did he say about that?", "conv-b")
    about_borrell = bool({int(n) for n in CITATION.findall(other.text)} & {15, 16})
    assert not (other.grounded and about_borrell), other.text


def test_reset_forgets(real_bot: Bot) -> None:
    """After reset, a follow-up is no longer widened and there is no last answer."""
    real_bot.answer("Who is Josep Borrell?", "conv-r")
    assert real_bot.last_answer("conv-r") is not None
    real_bot.reset("conv-r")
    assert real_bot.last_answer("conv-r") is None
    assert real_bot.query_for("and what did he say about that?", "conv-r") == "and what did he say about that?"


@pytest.mark.parametrize("question", ["", "   ", "\n\t  \n"])
def test_empty_question_is_an_input_error(real_bot: Bot, question: str) -> None:
    """An empty question gets a helpful message instead of a search for nothing."""
    with pytest.raises(InputError) as err:
        real_bot.answer(question, "t")
    assert err.value.message == phrase("empty_question", "en")
    assert real_bot.last_answer("t") is None


def test_overlong_question_names_the_limit(real_bot: Bot) -> None:
    """A 10,000-character question is refused before retrieval, and the message says what the limit is."""
    with pytest.raises(InputError) as err:
        real_bot.answer("Wat zei Borrell? " + "x" * 9983, "t")
    assert f"{real_bot.max_question_chars:,}" in err.value.message
    assert "10,000" in err.value.message
    assert real_bot.last_answer("t") is None


def test_feedback_is_stored_with_its_answer(real_bot: Bot) -> None:
    """A vote is stored with the question, answer and sources it is about; an unknown id gives None."""
    answer = real_bot.answer("Who is Guterres?", "conv-f")
    assert answer.id
    fb = real_bot.record_feedback(answer.id, "down", "U1", "console")
    assert fb is not None
    assert (fb.question, fb.answer, fb.conversation_id, fb.vote) == ("Who is Guterres?", answer.text, "conv-f", "down")
    assert [s.paragraph for s in fb.sources] == [s.paragraph for s in answer.sources]
    stored = real_bot.store.feedback()
    assert [(f.answer_id, f.user, f.vote, f.question) for f in stored] == [(answer.id, "U1", "down", "Who is Guterres?")]
    assert [s.text for s in stored[0].sources] == [s.text for s in answer.sources]
    assert real_bot.record_feedback("no-such-answer", "up", "U1", "console") is None
    assert len(real_bot.store.feedback()) == 1


@pytest.mark.parametrize("question", ["and then?", "what about it?", "and what did he say about that?"])
def test_follow_up_without_history_is_not_answered(real_bot: Bot, question: str) -> None:
    """With nothing to lean on, a content-free follow-up must not be 'answered' with a random quote."""
    answer = real_bot.answer(question, "fresh-conversation")
    assert answer.grounded is False, answer.text


@pytest.mark.parametrize(
    "question,follows",
    [
        ("and what did he say about that?", True),
        ("Wat zei hij daarover?", True),
        ("En Guterres?", True),
        ("Why?", True),
        ("What did Borrell say about China?", False),
        ("Wie is Borrell?", False),
        ("Vinden sommige analisten dat Rusland zich heeft uitverkocht aan China?", False),
        ("Does the article say that China wants to mediate in the war?", False),
    ],
)
def test_only_questions_that_lean_on_the_last_turn_are_widened(question: str, follows: bool) -> None:
    """A new, self-contained question in a thread is not mixed up with the previous one."""
    from bot.core import is_follow_up

    assert is_follow_up(question) is follows
