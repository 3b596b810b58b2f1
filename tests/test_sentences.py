"""Sentence splitting (pysbd, en and nl): abbreviations do not end sentences, multi-sentence quotations stay whole."""
from __future__ import annotations

import pytest

from knowledge.text import clauses, split_paragraphs, split_sentences


@pytest.mark.parametrize(
    ("quotation", "language"),
    [
        ("„Wij gaan. Jullie blijven. Zo is het”, zei hij.", "nl"),
        ("He said: “We go. You stay. That is it.”", "en"),
        ('"We go. You stay. That is it," he said.', "en"),
        ("Hij zei: „Wij gaan. Jullie blijven.”", "nl"),
    ],
)
def test_a_quotation_over_several_sentences_is_one_piece(quotation: str, language: str) -> None:
    """A quotation running over several sentences is one sentence, so a quote is never cut mid-way."""
    tail = "Toen ging hij weg." if language == "nl" else "Then he left."
    assert split_sentences(f"{quotation} {tail}", language) == [quotation, tail]


def test_english_abbreviations_and_initials() -> None:
    """'The U.S. Navy', 'Gen. Smith', 'Mr.', 'St.', 'e.g.' do not end a sentence (the old regex broke the first two)."""
    text = ("The U.S. Navy said Gen. Smith arrived on Monday. Mr. Smith flew to St. Petersburg, e.g. The city. "
            "It cost 3.5 million dollars.")
    assert split_sentences(text, "en") == [
        "The U.S. Navy said Gen. Smith arrived on Monday.",
        "Mr. Smith flew to St. Petersburg, e.g. The city.",
        "It cost 3.5 million dollars.",
    ]


def test_dutch_abbreviations_and_titles() -> None:
    """'dr.', 'prof.', 'o.a.', 'ca.', 'mr.' and Dutch number formats do not end a sentence."""
    text = ("Dit zei dr. Jansen gisteren. Prof. De Vries kwam o.a. Duitse leiders tegen. "
            "Volgens mr. Van Dam kost het ca. 16.200 euro. De V.S. zeiden nee.")
    assert split_sentences(text, "nl") == [
        "Dit zei dr. Jansen gisteren.",
        "Prof. De Vries kwam o.a. Duitse leiders tegen.",
        "Volgens mr. Van Dam kost het ca. 16.200 euro.",
        "De V.S. zeiden nee.",
    ]


@pytest.mark.parametrize("language", ["nl", "en", "xx"])
def test_sentences_join_back_into_the_paragraph(language: str) -> None:
    """Sentences are cut from the paragraph by offset, so nothing is lost or added (an unknown language uses en)."""
    paragraph = "„Er vinden nu veranderingen plaats”, zei hij. „En wij samen bewerkstelligen die veranderingen.” Dag."
    parts = split_sentences(paragraph, language)
    assert " ".join(parts) == paragraph
    assert parts[0] == "„Er vinden nu veranderingen plaats”, zei hij."


def test_paragraphs_at_blank_lines_or_else_at_line_breaks() -> None:
    """A text without blank lines is split at its line breaks instead of becoming one paragraph."""
    assert split_paragraphs("One line.\nStill one.\n\nTwo.\n") == ["One line. Still one.", "Two."]
    assert split_paragraphs("First.\nSecond.\r\nThird.") == ["First.", "Second.", "Third."]
    assert split_paragraphs(" \n\n ") == []


def test_clauses_of_a_long_sentence_at_its_commas_semicolons_and_colons() -> None:
    """A long sentence's clauses, each several words; a number's comma ("16,200", "26,8%") does not cut."""
    nl = "Op 26 februari 1815 ontsnapte hij van het eiland, en op 1 maart arriveerde hij met 800 man in Cannes."
    assert clauses(nl) == ("Op 26 februari 1815 ontsnapte hij van het eiland",
                           "en op 1 maart arriveerde hij met 800 man in Cannes.")
    en = "The court wants to trace 16,200 deported children; the talks in Brussels were friendly but slow."
    assert clauses(en) == ("The court wants to trace 16,200 deported children",
                           "the talks in Brussels were friendly but slow.")
    assert clauses("Het zijn 26,8% van de inwoners van Brussel die geen Belg zijn.") == ()


def test_a_sentence_of_one_clause_or_with_short_pieces_has_no_clauses() -> None:
    """A short piece ("zei hij", "in 2006") says too little to stand for its sentence: no split is better."""
    assert clauses("„Er vinden nu veranderingen plaats”, zei hij.") == ()
    assert clauses("In 2006, the region had about a million inhabitants.") == ()
    assert clauses("The minister will travel to Washington next month.") == ()
