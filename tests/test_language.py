"""Question language detection and the bot's own phrases: the framing depends on both."""
from __future__ import annotations

import pytest

from bot.language.phrases import PHRASES, SUPPORTED, detect, phrase, strip_pleasantries
from knowledge.language import own_function_words


@pytest.mark.parametrize(
    "question,expected",
    [
        ("What did Borrell say about China?", "en"),
        ("Who is Guterres?", "en"),
        ("Why is multilateralism under pressure?", "en"),
        ("When did Xi visit Moscow?", "en"),
        ("How many children were deported?", "en"),
        ("Did Putin visit Beijing?", "en"),
        ("Wat zei Borrell over China?", "nl"),
        ("Wie is Guterres?", "nl"),
        ("Waarom heeft het multilateralisme het moeilijk?", "nl"),
        ("Wanneer was Xi in Moskou?", "nl"),
        ("Hoeveel kinderen zijn gedeporteerd?", "nl"),
        ("Welke rechtbank vaardigde een arrestatiebevel uit?", "nl"),
        ("Hoe bak ik een appeltaart?", "nl"),
        ("En Poetin?", "nl"),
    ],
)
def test_detect_short_questions(question: str, expected: str) -> None:
    """Short chat questions carry few words; the function words must still decide the language."""
    assert detect(question) == expected


@pytest.mark.parametrize("text", ["", "?", "Xi Jinping", "Quelle est la capitale du Pérou ?"])
def test_detect_defaults_to_english(text: str) -> None:
    """Anything that is neither clearly English nor Dutch gets English framing."""
    assert detect(text) == "en"


def test_every_phrase_exists_in_every_supported_language() -> None:
    """A missing translation would silently fall back to English mid-conversation."""
    for key, table in PHRASES.items():
        assert set(SUPPORTED) <= set(table), key


@pytest.mark.parametrize("language", ["fr", "de", "", "xx"])
def test_phrase_falls_back_to_english(language: str) -> None:
    """Unsupported languages get the English phrase, with its values filled in."""
    assert phrase("not_found", language) == phrase("not_found", "en")
    assert phrase("according", language, cite="[11]") == "According to the article [11]:"


def test_phrase_fills_values_in_each_language() -> None:
    """Numbers are formatted with separators, so the 10,000-character message reads well."""
    assert phrase("too_long", "en", length=10_000, limit=1_000) == (
        "That question is 10,000 characters long; please keep it under 1,000."
    )
    assert "10,000" in phrase("too_long", "nl", length=10_000, limit=1_000)
    assert phrase("according", "nl", cite="[11]") == "Volgens het artikel [11]:"
    assert phrase("llm_timeout", "nl", seconds=2.5).startswith("Het taalmodel deed er langer over dan 2.5 s")


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("What role does Guterres hold? Thanks!", "What role does Guterres hold?"),
        ("Hi, what role does Guterres hold?", "what role does Guterres hold?"),
        ("Hallo! Wie is Borrell? Bedankt", "Wie is Borrell?"),
        ("Hey there, who is Xi? thank you so much!!", "who is Xi?"),
        ("Thanks", ""),
        ("Is the Thanksgiving mentioned?", "Is the Thanksgiving mentioned?"),
    ],
)
def test_pleasantries_are_not_part_of_the_question(raw: str, clean: str) -> None:
    assert strip_pleasantries(raw) == clean


def test_a_polite_question_is_answered_like_a_bare_one(real_bot) -> None:
    """'Thanks!' after a question is manners, not a name the article lacks."""
    bare = real_bot.answer("What role does Guterres hold?", "p1")
    polite = real_bot.answer("Hi, what role does Guterres hold? Thanks!", "p2")
    assert polite.grounded == bare.grounded and polite.sources[0].paragraph == bare.sources[0].paragraph


def test_own_function_words_tell_a_phrase_in_a_language_from_a_name_or_number() -> None:
    assert own_function_words("in het zuidelijke deel van de Atlantische Oceaan", "nl") == 3
    assert own_function_words("Sint Helena", "nl") == 0
    assert own_function_words("16.200", "nl") == 0
    assert own_function_words("is in", "nl") == 0  # words both languages have say nothing
    assert own_function_words("soybean, cotton, and peanut", "en") == 1
