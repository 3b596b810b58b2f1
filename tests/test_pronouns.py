"""Who a pronoun beside the asked verb stands for: the rules on small passages in both languages."""
from __future__ import annotations

import pytest

from bot.common.calibration import DEFAULT as CAL
from bot.common.models import Answer, Source, Turn
from bot.language.followup import resolve
from bot.language.question import analyse
from bot.reading import rules
from bot.reading.pick import candidates
from bot.reading.pronouns import referent, salient, subject_pronoun
from tests.test_engine_rules import SPELLING, window


def _is(*words: str):  # type: ignore[no-untyped-def]
    return lambda w: w in words


def test_the_pronoun_beside_the_asked_verb_is_its_subject_unless_a_name_stands_before_the_verb() -> None:
    dutch = "Enkele weken later (op 10 september 2005) won ze haar eerste titel door Mary Pierce te verslaan."
    assert (t := subject_pronoun(dutch, _is("won"))) is not None and t.text == "ze"
    assert (t := subject_pronoun("In 2005 she won the final against Pierce.", _is("won"))) is not None
    assert t.text == "she"
    assert subject_pronoun("Mary Pierce versloeg ze in de finale.", _is("versloeg")) is None  # ze: her, the object
    assert subject_pronoun("The final was won by Pierce.", _is("won")) is None


def test_the_pronoun_stands_for_the_last_person_named_before_it_else_the_one_named_most() -> None:
    text = "Justine Henin lost early. Then she won in Miami."
    assert referent(text, text.index("she"), set(), "Kim Clijsters") == "Justine Henin"
    assert referent("Then she won in Miami.", 5, set(), "Kim Clijsters") == "Kim Clijsters"
    texts = ["Kim Clijsters won. Then Clijsters smiled.", "Later Clijsters met Venus Williams."]
    assert salient(texts, {"clijsters"}) == "Kim Clijsters"  # the form given as a person's name
    assert salient(["Ann Smit met Bo Dekker."], set()) is None  # a tie: nobody for sure


def test_who_won_is_the_one_a_pronoun_beside_won_stands_for_not_the_name_after_it() -> None:
    lead = window("Kim Clijsters is a Belgian tennis player. In 1997 Clijsters turned professional.", score=0.85,
                  language="nl", paragraph=1)
    final = window("Enkele weken later won ze haar eerste Grand Slam door in de finale Mary Pierce te verslaan.",
                   language="nl", paragraph=5)
    picks = candidates(analyse("Wie won de Grand Slam?"), [final, lead], SPELLING, CAL.type_margin, "nl")
    assert picks and picks[0].item.stated == "Kim Clijsters" and picks[0].item.text == "ze"
    other = candidates(analyse("Wie versloeg ze in de finale?"), [final, lead], SPELLING, CAL.type_margin, "nl")
    assert other and other[0].item.stated != "Kim Clijsters"  # "te verslaan" has no pronoun beside it


def test_a_follow_up_about_what_the_last_quote_names_leans_on_that_passage() -> None:
    src = Source("a1", "Title", 5, "text", 0.9, "", "nl", "a1")
    said = "Kim Clijsters, volgens het artikel [a1 ¶5]: „won ze door in de finale Mary Pierce te verslaan.”"
    history = [Turn("Wie won de US Open?", Answer(said, (src,), True, "nl", "Wie won de US Open?", "id1",
                                                  item="Kim Clijsters"), 0.0)]
    final = resolve("Tegen wie speelde ze de finale?", history)
    assert final is not None and rules.in_previous_quote(analyse("Tegen wie speelde ze de finale?"), final)
    money = resolve("Hoeveel prijzengeld kreeg ze?", history)
    assert money is not None and not rules.in_previous_quote(analyse("Hoeveel prijzengeld kreeg ze?"), money)


def test_a_follow_up_is_read_as_one_question_whatever_it_is_searched_as() -> None:
    src = Source("a1", "Title", 22, "Napoleon werd naar Sint Helena gestuurd.", 0.9, "", "nl", "a1")
    history = [Turn("Who defeated Napoleon at Waterloo?", Answer("Wellington …", (src,), True, "en", item="Wellington"),
                    0.0)]
    sent = resolve("Where was he sent afterwards?", history)
    assert sent is not None and sent.read_as == "Where was Napoleon sent afterwards?"
    said = Answer("1,2 miljoen …", (src,), True, "nl", item="1,2 miljoen")
    more = resolve("En hoeveel gemeenten?", [Turn("Hoeveel inwoners heeft Brussel?", said, 0.0)])
    assert more is not None and more.read_as == "En hoeveel gemeenten?"
    assert more.article == "a1"  # searched within the thread's article


def test_a_refusal_that_showed_the_closest_passage_keeps_the_thread_in_its_article() -> None:
    src = Source("asylum", "Asylum", 14, "Critics say the questionnaires are a burden.", 0.9, "", "en", "asylum")
    refused = Answer("I can't find that …\nClosest I found [asylum ¶14]: …", (src,), False, "en")
    later = resolve("And how long do they have to send it back?", [Turn("How many will get one?", refused, 0.0)])
    assert later is not None and later.article == "asylum" and later.quoted is None  # nothing quoted to lean on
    off_topic = Answer("That is not in the articles I have. They are about: …", (), False, "en")
    lost = resolve("And how long do they have to send it back?", [Turn("What is Peru's capital?", off_topic, 0.0)])
    assert lost is not None and lost.article is None


def test_a_lean_on_one_passage_lifts_its_windows_only() -> None:
    import numpy as np

    from bot.reading.windows import build
    from bot.retrieval.retriever import Sentences

    one, two = window("In de finale won ze.", paragraph=5), window("In de finale verloor ze.", paragraph=7)
    vec = np.array([1.0, 0.0], dtype=np.float32)
    sents = {("a1", 5): Sentences(("In de finale won ze.",), np.array([[0.9, 0.1]], dtype=np.float32)),
             ("a1", 7): Sentences(("In de finale verloor ze.",), np.array([[0.92, 0.1]], dtype=np.float32))}
    srcs = [one.source, two.source]
    plain = build(vec, ("finale",), srcs, sents, CAL)
    assert plain[0].source.paragraph == 7
    leaning = build(vec, ("finale",), srcs, sents, CAL, boost={one.source.label: CAL.thread_lean})
    assert leaning[0].source.paragraph == 5 and leaning[0].score - plain[1].score == pytest.approx(CAL.thread_lean)


def test_a_run_of_capitals_made_of_the_passages_common_words_is_a_title_not_a_person() -> None:
    from bot.language.names import names_in
    from bot.reading.pronouns import People, persons_in

    journal, = names_in("The study appeared in Nature Climate Change this week.")
    pierce, = names_in("She beat Mary Pierce in the final.")
    near = [window("The climate will change, and climate change costs crops."), window("She beat Mary Pierce.")]
    people = persons_in(near)
    assert not people.person(journal) and people.person(pierce)
    assert People(frozenset()).person(journal)  # with no common words known, capitals are a name


def test_who_did_it_may_be_a_body_in_the_best_window_over_a_person_in_a_weaker_one() -> None:
    funded = window("The study was supported by the Croucher Foundation.", score=0.895, paragraph=8)
    quoted = window("As coauthor Colette Heald told reporters, the results are clear.", score=0.863, paragraph=3)
    picks = candidates(analyse("Who funded it?"), [funded, quoted], SPELLING, CAL.type_margin, "en")
    assert picks and picks[0].item.stated == "Croucher Foundation"


def test_only_a_question_about_who_did_it_is_answered_by_the_pronoun_that_did_it() -> None:
    from bot.reading.pronouns import asks_the_doer

    assert asks_the_doer("Wie won in 2005 de US Open?") and asks_the_doer("Who led the Prussian army?")
    assert not asks_the_doer("Who did she beat?") and not asks_the_doer("Wie versloeg ze?")  # to whom
    assert not asks_the_doer("Wie versloeg Napoleon?") and not asks_the_doer("Tegen wie speelde ze?")
    final = window("In the final she beat Mary Pierce.")
    lead = window("Kim Clijsters is a Belgian player. In 1997 Clijsters turned professional.", score=0.85,
                  paragraph=2)
    beaten = candidates(analyse("Who did she beat in the final?"), [final, lead], SPELLING, CAL.type_margin, "en")
    assert beaten and beaten[0].item.stated == "Mary Pierce"
