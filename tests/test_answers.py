"""The real offline Bot on the bundled article: framing, own words, citations, refusals, follow-ups, bad input."""
from __future__ import annotations

import re

import pytest

from bot.common.errors import InputError
from bot.common.models import Answer
from bot.core.bot import Bot
from bot.language.followup import is_follow_up
from bot.language.phrases import phrase

CITE = re.compile(r"\[([^\]]+ ¶\d+)\]")
QUOTE = re.compile(r"\[([^\]]+ ¶\d+)\]: „(.+)”$")

ANSWERABLE = [
    ("What did Borrell say about China?", "en"),
    ("Who is Guterres?", "en"),
    ("Which court issued an arrest warrant against Putin?", "en"),
    ("What do Moscow and Beijing oppose, according to their joint statement?", "en"),
    ("Wat zei Borrell over China?", "nl"),
    ("Wie kondigde de conferentie over gedeporteerde kinderen aan?", "nl"),
    ("Hoe omschrijft het artikel de EU als voorbeeld van multilateralisme?", "nl"),
]


def quotes(answer: Answer) -> list[tuple[str, str]]:
    """(label, quoted text) for each line of an answer that quotes the article."""
    out = []
    for line in answer.text.splitlines():
        m = QUOTE.search(line)
        if m:
            out.append((m.group(1), m.group(2).strip("…")))
    return out


def test_english_question_gets_english_framing(real_bot: Bot) -> None:
    """The framing follows the asker's language even though the article is Dutch."""
    answer = real_bot.answer("What did Borrell say about China?", "t")
    assert answer.grounded and answer.language == "en"
    assert "according to the article [" in answer.text.lower()
    assert "Volgens het artikel" not in answer.text


def test_dutch_question_gets_dutch_framing(real_bot: Bot) -> None:
    """A Dutch question is framed in Dutch."""
    answer = real_bot.answer("Wat zei Borrell over China?", "t")
    assert answer.grounded and answer.language == "nl"
    assert "volgens het artikel [" in answer.text.lower()
    assert "According to" not in answer.text


@pytest.mark.parametrize("question,language", ANSWERABLE)
def test_citations_point_at_sources_and_quotes_are_real(real_bot: Bot, question: str, language: str) -> None:
    """Every [label] names a source of the answer, the first one cited is listed first, and quotes are verbatim."""
    answer = real_bot.answer(question, f"t:{question}")
    assert answer.grounded, answer.text
    assert answer.language == language
    texts = {s.label: s.text for s in answer.sources}
    cited = CITE.findall(answer.text)
    assert cited and all(label in texts for label in cited), (cited, list(texts))
    assert answer.sources[0].label == cited[0]
    found = quotes(answer)
    assert found, answer.text
    for label, quote in found:
        assert quote in texts[label], (label, quote)


def test_a_number_is_stated_in_the_askers_own_format(real_bot: Bot) -> None:
    """16.200 in a Dutch article is 16,200 for an English reader, before the quote that gives it."""
    en = real_bot.answer("How many deported children does the conference aim to trace?", "n-en")
    nl = real_bot.answer("Hoeveel gedeporteerde kinderen wil de conferentie opsporen?", "n-nl")
    assert en.grounded and en.text.startswith("16,200"), en.text
    assert nl.grounded and nl.text.startswith("16.200"), nl.text
    assert en.item == "16,200" and en.trace is not None and en.trace.rule == "typed:number"


def test_an_overview_gives_the_title_and_the_lead(real_bot: Bot) -> None:
    """"What is this article about?" is answered with the article's title and its opening, cited."""
    answer = real_bot.answer("What is this article about?", "o")
    assert answer.grounded, answer.text
    assert answer.sources[0].title in answer.text
    assert CITE.search(answer.text)
    assert answer.trace is not None and answer.trace.rule == "overview"
    assert answer.text.count("Its central points") == 1 and "It also says" in answer.text  # one label, then more


@pytest.mark.parametrize(
    "question,language",
    [
        ("What is the capital of Peru?", "en"),
        ("Geef me een recept voor chocoladetaart", "nl"),
        ("Hoe bak ik een appeltaart?", "nl"),
    ],
)
def test_off_topic_is_refused_in_the_askers_language(real_bot: Bot, question: str, language: str) -> None:
    """Off-topic questions are refused in the asker's language, and nothing is quoted as if it answered."""
    answer = real_bot.answer(question, "t")
    assert answer.grounded is False, answer.text
    assert answer.language == language
    cites = "¶" in answer.text  # the titles it lists are set off as titles; no passage is cited as an answer
    assert not cites or phrase("closest", language, cite="").split()[0] in answer.text


@pytest.mark.parametrize(
    "question",
    ["What did Macron say about the summit?", "Wat zei Angela Merkel over Beijing?",
     "How many soldiers does Russia have in Ukraine?", "Which country did Borrell visit after Beijing?"],
)
def test_what_the_article_does_not_say_is_refused(real_bot: Bot, question: str) -> None:
    """Someone the article never mentions, or a number or place it does not give, gets a refusal, not a quote."""
    answer = real_bot.answer(question, "t")
    assert answer.grounded is False, answer.text
    assert answer.trace is not None and answer.trace.rule not in ("best_window", "typed:number")


def test_follow_up_reads_the_previous_turn(real_bot: Bot) -> None:
    """'and what did he say about that?' after "Who is Josep Borrell?" quotes Borrell, not someone else."""
    first = real_bot.answer("Who is Josep Borrell?", "conv-a")
    assert first.grounded
    assert real_bot.follow_up("and what did he say about that?", "conv-a") is not None
    answer = real_bot.answer("and what did he say about that?", "conv-a")
    assert answer.grounded, answer.text
    assert any("Borrell" in s.text for s in answer.sources[:1]), answer.text


def test_follow_up_in_another_conversation_is_not_widened(real_bot: Bot) -> None:
    """Memory is per conversation: another id's history never leaks into the question."""
    real_bot.answer("Who is Josep Borrell?", "conv-a")
    assert real_bot.follow_up("and what did he say about that?", "conv-b") is None


def test_reset_forgets(real_bot: Bot) -> None:
    """After reset, a follow-up has nothing to lean on and there is no last answer."""
    real_bot.answer("Who is Josep Borrell?", "conv-r")
    assert real_bot.last_answer("conv-r") is not None
    real_bot.reset("conv-r")
    assert real_bot.last_answer("conv-r") is None
    assert real_bot.follow_up("and what did he say about that?", "conv-r") is None


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
    assert [s.label for s in fb.sources] == [s.label for s in answer.sources]
    stored = real_bot.store.feedback()
    assert [(f.answer_id, f.user, f.vote, f.question) for f in stored] == [(answer.id, "U1", "down", "Who is Guterres?")]
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
    assert is_follow_up(question) is follows
