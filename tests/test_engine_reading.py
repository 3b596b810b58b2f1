"""Reading text, one rule at a time: question kinds, numbers, dates, names, cross-language word matching.

Each test is a small synthetic case in English and in Dutch; none needs the embedder or a store.
"""
from __future__ import annotations

import numpy as np
import pytest

from bot.language.cues import kind_of
from bot.language.dates import dates_in, format_when
from bot.language.match import Matcher, article_words, same_word
from bot.language.names import names_in, territory
from bot.language.numbers import format_number, head_unit, numbers_in, ordinals_in, parse_digits
from bot.language.question import analyse
from bot.language.words import content_terms, fold, tokens
from tests.fakes import FixedVectors


@pytest.mark.parametrize(
    "question,kind",
    [
        ("What is this article about?", "overview"),
        ("Waar gaat het stuk over?", "overview"),
        ("Summarise the main points", "overview"),
        ("What is the Afghan robotics article about?", "overview"),
        ("What is this about?", "overview"),
        ("What happened to the article about cars?", None),
        ("What does the article say about a new gas pipeline?", "quote"),  # about that: the passage, no overview
        ("How much did the new bridge cost?", "money"),
        ("Hoeveel kost een kaartje?", "money"),
        ("How old was the mayor?", "age"),
        ("Hoe ver moest het team reizen?", "distance"),
        ("What share of the vote did she get?", "percent"),
        ("How long did the strike last?", "duration"),
        ("Hoe lang is Anna Jansen?", "length"),
        ("How many people attended?", "number"),
        ("Hoeveel leden telt de partij?", "number"),
        ("When did the strike end?", "time"),
        ("Op welke datum werd het verdrag getekend?", "time"),
        ("Why did the minister resign?", "reason"),
        ("Waarom trad de minister af?", "reason"),
        ("What did the mayor say about the plan?", "quote"),
        ("Wat zei de burgemeester over het plan?", "quote"),
        ("Where was the treaty signed?", "place"),
        ("Uit welke landen komen ze?", "place"),
        ("Who signed the treaty?", "person"),
        ("Door wie werd het verdrag getekend?", "person"),
        ("Who is Anna Jansen?", "describe"),
        ("What role does Jansen hold?", "role"),
        ("Does the city want a new bridge?", "yesno"),
        ("Wil de stad een nieuwe brug?", "yesno"),
    ],
)
def test_kind_of_reads_what_a_question_asks_for(question: str, kind: str) -> None:
    assert kind_of(question) == kind


@pytest.mark.parametrize(
    "question,kind,focus",
    [
        ("How many teams took part?", "number", "teams"),
        ("Binnen hoeveel werkdagen moet het formulier terug?", "number", "werkdagen"),
        ("Which university led the study?", "organisation", "university"),
        ("Welke medaille kreeg het team?", "which", "medaille"),
        ("Which leader did she meet?", "person", "leader"),
        ("Hoeveel prijzengeld kreeg ze?", "money", "prijzengeld"),
    ],
)
def test_analyse_finds_the_focus_and_refines_the_kind(question: str, kind: str, focus: str) -> None:
    q = analyse(question)
    assert q.kind == kind and q.focus[0] == focus


def test_analyse_reads_names_years_and_the_speaker() -> None:
    q = analyse("What did Yvette Cooper say about the plan of the Home Office in 2023?")
    assert q.kind == "quote" and q.subject == ("yvette", "cooper")
    assert "Yvette Cooper" in q.names and "Home Office" in q.names and q.years == (2023,)
    assert analyse("Wat zei ze tegen GB News?").subject == ("he",)  # a pronoun, for the thread to resolve


def test_tokens_keep_hyphenated_words_and_offsets() -> None:
    text = "De secretaris-generaal zei: „nee”."
    toks = tokens(text)
    assert [t.text for t in toks] == ["De", "secretaris-generaal", "zei", "nee"]
    assert all(text[t.start : t.end] == t.text for t in toks)
    assert fold("Oekraïne") == "oekraine" and fold("Afghan's") == "afghan"
    assert content_terms("What did the mayor say about the bridge?") == ("mayor", "bridge")


@pytest.mark.parametrize(
    "text,language,value,decimals",
    [("1.018.804", "nl", 1018804, 0), ("46,3", "nl", 46.3, 1), ("45,756", "en", 45756, 0), ("2.2", "en", 2.2, 1),
     ("2.2", "nl", 2.2, 1)],
)
def test_digits_are_read_the_way_the_article_writes_them(text: str, language: str, value: float, decimals: int) -> None:
    assert parse_digits(text, language) == (value, decimals)


def test_numbers_carry_their_scale_unit_and_kind() -> None:
    money = numbers_in("Het prijzengeld (1,1 miljoen dollar) werd verdubbeld.", "nl")[0]
    assert (money.value, money.unit) == (1_100_000, "money")
    assert numbers_in("within twenty working days", "en")[0].value == 20
    assert numbers_in("within twenty working days", "en")[0].unit == "duration"
    assert numbers_in("zijn 46,3% van de inwoners", "nl")[0].unit == "percent"
    assert numbers_in("De 46-jarige Wellington", "nl")[0].unit == "age"
    assert numbers_in("op 18 juni 1815", "nl")[1].year
    assert not numbers_in("one of the teams", "en")  # "one" as an article is not a number


def test_numbers_are_written_the_askers_way() -> None:
    assert format_number(16200, 0, "en") == "16,200" and format_number(16200, 0, "nl") == "16.200"
    assert format_number(46.3, 1, "en") == "46.3" and format_number(46.3, 1, "nl") == "46,3"
    assert format_number(2_200_000, 1, "en") == "2.2 million" and format_number(2_200_000, 1, "nl") == "2,2 miljoen"


def test_a_compound_names_its_unit_by_its_head() -> None:
    assert head_unit("werkdagen") == "duration" and head_unit("prijzengeld") == "money"
    assert head_unit("kilometers") == "distance" and head_unit("inhabitants") is None


def test_dates_are_found_and_stated_in_the_askers_words() -> None:
    when = dates_in("Napoleon werd op 18 juni 1815 verslagen.")[0]
    assert (when.day, when.month, when.year) == (18, 6, 1815)
    assert format_when(when, "en") == "18 June 1815" and format_when(when, "nl") == "18 juni 1815"
    assert dates_in("Thursday, February 23, 2023")[1].year == 2023
    assert not dates_in("The union may strike again.")  # "may" is not a month here


def test_names_are_runs_of_capitals_told_apart() -> None:
    found = {n.text: n.kind for n in names_in(
        "President Donald Trump asked the United States National Security Council, said Ursula von der Leyen.")}
    assert found["Donald Trump"] == "person"  # the title is not part of the name
    assert found["United States"] == "place" and found["National Security Council"] == "organisation"
    assert found["Ursula von der Leyen"] == "person"
    assert {n.text: n.kind for n in names_in("De Britse en Pruisische legers")} == {
        "Britse": "adjective", "Pruisische": "adjective"}
    assert names_in("Which Schaerbeek mayor resigned?")[0].text == "Schaerbeek"  # not "Which Schaerbeek"
    assert names_in("Heald told The Huffington Post so.")[0].kind == "other"  # no person's name opens with "The"


def test_a_nationality_before_a_persons_name_is_not_part_of_it() -> None:
    assert [n.text for n in names_in("tegen de Russin Elena Dementieva, met 6-4")] == ["Elena Dementieva"]
    assert [n.text for n in names_in("the Russian Federation Council met")] == ["Russian Federation Council"]


def test_a_name_joined_to_a_common_noun_is_the_name() -> None:
    assert analyse("Wie publiceerde in 1989 over de NCLAN-studies?").names == ("NCLAN",)
    assert analyse("Wat is Brussel-Hoofdstad?").names == ("Brussel-Hoofdstad",)  # both parts names
    assert analyse("Wat zei een hoge EU-ambtenaar over eenzaamheid?").subject == ("eu-ambtenaar",)  # as written


def test_countries_match_across_languages() -> None:
    assert territory("Zuid-Korea") == territory("South Korea") == "KR"
    assert territory("Afghaanse") == "AF" and territory("Wellington") is None


@pytest.mark.parametrize(
    "a,b,same",
    [("putin", "poetin", True), ("deportatie", "deported", True), ("helped", "help", True),
     ("england", "engeland", True), ("medal", "media", False), ("house", "horse", False), ("team", "tea", False)],
)
def test_same_word_across_spellings(a: str, b: str, same: bool) -> None:
    assert same_word(a, b) is same


def test_vectors_match_words_only_across_languages() -> None:
    vectors = FixedVectors({"medaille": [1, 0.02, 0], "medal": [1, 0, 0], "zilver": [0, 1, 0]})
    matcher = Matcher(vectors, word_match=0.92)
    found = matcher.best(["medaille"], ["silver", "medal"], cross=True)
    assert found == {"medaille": ("medal", pytest.approx(1.0, abs=1e-3))}
    assert matcher.best(["medaille"], ["silver", "medal"], cross=False) == {}  # one language: spelling only
    assert matcher.best(["zilver"], ["medal"], cross=True) == {}


def test_the_nearest_word_has_no_floor_and_spelling_comes_first() -> None:
    vectors = FixedVectors({"escape": [1, 0.6, 0], "ontsnapte": [1, 0.2, 0], "verbannen": [0.3, 1, 0]})
    matcher = Matcher(vectors, word_match=0.99)
    words = ["verbannen", "ontsnapte", "eiland", "1815"]
    assert matcher.best(["escape"], words) == {}  # below the floor a translation is no match…
    assert matcher.nearest(["escape", "eiland"], words) == {"escape": "ontsnapte", "eiland": "eiland"}  # …but nearest
    assert article_words(("Op 26 februari 1815 ontsnapte hij.", "Hij ontsnapte van het eiland.")) == \
        ("februari", "ontsnapte", "eiland")


def test_ordinals_are_read_in_words_and_digits_in_both_languages() -> None:
    assert ordinals_in("her first Grand Slam title") == {1}
    assert ordinals_in("haar eerste Grand Slam-toernooi en de vijfde plaats") == {1, 5}
    assert ordinals_in("the 21st century, de 3e ronde") == {21, 3}
    assert ordinals_in("first-hand accounts of 1st-class mail") == frozenset()


class _Vocabulary:
    """A vocabulary collection that counts its lookups."""

    def __init__(self, words: dict[str, list[float]]) -> None:
        self.words, self.gets = words, 0

    def count(self) -> int:
        return len(self.words)

    def get(self, ids: list[str] | None = None, include: list[str] | None = None) -> dict:
        self.gets += ids is not None
        keys = [w for w in (ids if ids is not None else self.words) if w in self.words]
        return {"ids": keys, "embeddings": [self.words[w] for w in keys]}


class _WordEmbedder:
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def passages(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)


def test_word_vectors_skip_the_store_for_a_word_a_whole_vocabulary_lacks_until_it_changes() -> None:
    from bot.language.match import CachedWordVectors

    col, emb = _Vocabulary({"ontsnapte": [1.0, 0.0]}), _WordEmbedder()
    words = CachedWordVectors(col, emb)
    assert words.preload() == 1
    got = words.vectors(["ontsnapte", "escape"])
    assert col.gets == 0 and emb.embedded == ["escape"] and got["ontsnapte"][0] == 1.0
    words.stale()  # an ingest since: the collection may hold new words
    words.vectors(["eiland"])
    assert col.gets == 1 and emb.embedded == ["escape", "eiland"]


def test_month_and_day_names_are_not_names_a_question_asks_about() -> None:
    assert analyse("Where did Napoleon arrive on 1 March 1815?").names == ("Napoleon",)
    assert analyse("Wat gebeurde er op Dinsdag in Moskou?").names == ("Moskou",)
    assert analyse("What did Theresa May say?").names == ("Theresa May",)


def test_verbs_that_only_say_something_happened_are_not_words_to_find() -> None:
    assert analyse("Wanneer vond de Slag bij Waterloo plaats?").terms == ("slag", "waterloo")
    assert analyse("When did the battle take place?").terms == ("battle",)
    assert "place" in analyse("Which place did he visit?").terms  # a place asked about stays


def test_what_happens_asks_for_no_which_item() -> None:
    question = analyse("What happens if an asylum seeker does not return the questionnaire?")
    assert question.kind is None and question.focus == ()
    assert analyse("Which crops did they study?").focus == ("crops",)


def test_abbreviations_of_bodies_match_across_languages() -> None:
    assert territory("UN") == territory("VN") == territory("Verenigde Naties") == "UN"
    assert territory("NAVO") == territory("NATO")
    assert same_word("un", "vn") and not same_word("un", "us")


def test_a_name_headed_by_a_kind_of_place_is_one_place() -> None:
    found = {n.text: n.kind for n in names_in("Next year the contest moves to Mexico City, said the United States "
                                              "Hamdullah Mohib.")}
    assert found["Mexico City"] == "place"  # not the country Mexico and a "City"
    assert "United States" in found and "Hamdullah Mohib" in found  # a country before a person is still split


def test_a_title_closing_a_compound_is_not_part_of_the_name_and_particles_stay_in_it() -> None:
    found = [n.text for n in names_in("De EU, zo maakte Commissievoorzitter Ursula von der Leyen bekend.")]
    assert "Ursula von der Leyen" in found
    assert analyse("Who is Ursula von der Leyen?").kind == "describe"
    assert analyse("Who is Ursula von der Leyen?").subject == ("ursula", "von", "der", "leyen")


def test_a_union_of_countries_is_no_country() -> None:
    from bot.language.names import is_country

    assert is_country("Polen") and is_country("Poland") and is_country("Zuid-Korea")
    assert not is_country("Europese Unie") and not is_country("VN") and not is_country("Afghaanse")
