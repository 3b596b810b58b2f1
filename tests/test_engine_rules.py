"""The answer engine's rules and choices, each on small synthetic passages in English and Dutch.

Windows are built by hand (no embedder, no store), so each test pins one rule: which item answers, and when the
engine must say the articles do not hold the answer.
"""
from __future__ import annotations

import numpy as np
import pytest

from bot.common.calibration import DEFAULT as CAL
from bot.common.models import Answer, Source, Turn
from bot.language.followup import is_follow_up, resolve
from bot.language.match import Matcher, article_words
from bot.language.question import analyse
from bot.language.replies import quoted, the_article, trim
from bot.reading import rules
from bot.reading.items import lists_in
from bot.reading.overview import (
    catalogue,
    is_dateline,
    key_names,
    lead_sentence,
    summarise,
    topic_terms,
    wants_catalogue,
)
from bot.reading.pick import candidates, choose_role
from bot.reading.places import placed_by
from bot.reading.roles import role_of
from bot.reading.speakers import speaker_in
from bot.reading.windows import ORDINAL_BONUS, Window, build, clause_lifted, ordinal_agreement
from bot.retrieval.retriever import ArticleText, Sentences
from tests.fakes import FixedVectors

SPELLING = Matcher(None)  # spelling only: what the rules do within one language


def window(text: str, score: float = 0.9, language: str = "en", article: str = "a1", paragraph: int = 1,
           related: float | None = None) -> Window:
    src = Source(article, "Title", paragraph, text, score, "2024-05", language, article)
    return Window(src, 0, 1, text, score, score, score if related is None else related)


def top(question: str, *windows: Window, language: str = "en"):  # type: ignore[no-untyped-def]
    picks = candidates(analyse(question), list(windows), SPELLING, CAL.type_margin, language)
    return picks[0] if picks else None


# --- which item answers --------------------------------------------------------------------------------------

def test_a_count_is_the_number_beside_the_counted_thing() -> None:
    w = window("Teams from ten countries met in groups of three; 163 teams took part in the final.")
    pick = top("How many teams took part in the final?", w)
    assert pick is not None and pick.item.stated == "163" and pick.fit == 1.0


def test_counts_of_something_else_do_not_use_up_the_places_of_the_one_asked() -> None:
    others = window("The region has 19 municipalities, 3 provinces and 161 districts.", score=1.0)
    asked = window("The number of inhabitants is 1018804.", score=0.9, paragraph=2)
    q = analyse("How many inhabitants does the region have?")
    plain = candidates(q, [others, asked], SPELLING, CAL.type_margin, "en")
    assert "1018804" not in [p.item.text for p in plain]  # three counts of other things came first
    floored = candidates(q, [others, asked], SPELLING, CAL.type_margin, "en", floor=CAL.attach)
    assert "1018804" in [p.item.text for p in floored]


def test_a_number_counts_the_noun_after_it_not_a_word_further_along() -> None:
    from bot.reading.pick import counted_by

    text = 'The robot "Afghan Girls" scored one or two points; 16.200 gedeporteerde kinderen; het aantal is 40.'
    assert [w for w, _ in counted_by(text, text.index("two") + 3)] == ["points"]
    assert counted_by(text, text.index("16.200") + 6) == [("gedeporteerde", 1), ("kinderen", 1)]
    assert counted_by(text, len(text) - 1) == []  # nothing follows: the clause says what it counts
    w = window('The robot "Better Idea of Afghan Girls" scored one or two points for the alliance.')
    pick = top("How many girls were in the team?", w)
    assert pick is None or pick.fit < CAL.attach


def test_a_number_the_question_gives_is_not_its_answer() -> None:
    w = window("In two months he raised an army of 200,000 men; 2 divisions stayed behind.")
    pick = top("How many men did he raise in two months?", w)
    assert pick is not None and pick.item.stated == "200,000"
    assert all(p.item.stated != "2" for p in candidates(analyse("How many divisions in two months?"), [w],
                                                           Matcher(None), CAL.type_margin, "en"))


def test_a_number_is_stated_in_the_askers_format_from_a_dutch_text() -> None:
    w = window("De conferentie wil de 16.200 gedeporteerde kinderen opsporen.", language="nl")
    assert top("Hoeveel gedeporteerde kinderen wil de conferentie opsporen?", w, language="nl").item.stated == "16.200"
    english = top("How many gedeporteerde kinderen are to be traced?", w, language="en")
    assert english is not None and english.item.stated == "16,200"


def test_a_date_in_a_dateline_answers_nothing() -> None:
    assert top("When did the talks end?", window("Thursday, February 23, 2023")) is None


def test_a_date_is_the_most_precise_one_near_the_question_words() -> None:
    w = window("The talks began in 2019 and ended on 5 May 2021 in Geneva.")
    assert top("When did the talks end?", w).item.stated == "5 May 2021"


def test_a_place_needs_a_preposition_or_the_question_words_beside_it() -> None:
    assert top("Which country did the minister visit?", window("China has crossed no red lines, she said.")) is None
    pick = top("Where was the treaty signed?", window("The treaty was signed in Lisbon in 2007."))
    assert pick is not None and pick.item.stated == "Lisbon"


def test_places_of_a_list_are_given_together_in_the_askers_language() -> None:
    w = window("Questionnaires go to asylum seekers from Afghanistan, Eritrea, Libië, Syrië en Jemen.", language="nl")
    pick = top("From which countries do the asylum seekers come?", w, language="en")
    assert pick is not None and pick.item.stated == "Afghanistan, Eritrea, Libya, Syria and Yemen"


def test_who_prefers_a_persons_name_and_joins_names_listed_together() -> None:
    w = window("Napoleon werd verslagen door legers onder leiding van Wellington en Blücher.", language="nl")
    pick = top("Wie leidde de legers die Napoleon versloegen?", w, language="nl")
    assert pick is not None and pick.item.stated == "Wellington en Blücher"
    w2 = window("The Croucher Foundation and chief scientist Colette Heald led the study.")
    assert top("Who led the study?", w2).item.stated == "Colette Heald"


def test_the_person_asked_about_is_no_answer_even_opening_a_sentence_under_a_longer_name() -> None:
    w = window("De slag was kort. Napoleon Bonaparte werd hier verslagen door Wellington.", language="nl")
    pick = top("Who defeated Napoleon?", w)
    assert pick is not None and pick.item.stated == "Wellington"


def test_a_name_run_opening_with_the_asked_name_answers_with_the_rest() -> None:
    w = window("Ze won door in de finale van de US Open Mary Pierce te verslaan.", language="nl")
    pick = top("Wie versloeg ze in de finale van de US Open?", w, language="nl")
    assert pick is not None and pick.item.stated == "Mary Pierce"


def test_where_a_place_lies_is_the_country_the_text_glosses_it_with() -> None:
    assert analyse("Waar ligt Cannes?").terms == ("cannes",)  # "ligt" only says where something is
    gloss = window("De slag was bij het dorp Waterloo (België), ten zuiden van Brussel.", language="nl")
    pick = top("Where is Waterloo?", gloss)
    assert pick is not None and pick.item.stated == "Belgium"
    comma = window("The team travelled from Herat, Afghanistan, to Kabul.")
    assert top("Where is Herat?", comma).item.stated == "Afghanistan"
    assert top("Where is Kabul?", comma) is None  # named, but nothing says where it lies


def test_the_name_asked_about_translated_is_no_answer() -> None:
    w = window("Na een banket in Moskou nam Xi afscheid van Poetin.", language="nl")
    city = Matcher(FixedVectors({"moscow": [1, 0], "moskou": [1, 0]}, default=[0, 1]))  # one city, two languages
    picks = candidates(analyse("Which leader did Xi visit in Moscow?"), [w], city, CAL.type_margin, "en")
    assert [p.item.text for p in picks] == ["Poetin"]


def test_a_noun_for_a_kind_of_place_before_a_name_places_it() -> None:
    assert placed_by("eiland") and placed_by("havenstad") and placed_by("in")
    assert not placed_by("keizer") and not placed_by(None)
    w = window("Hij werd afgezet op het verlaten eiland Sint Helena, ver van Frankrijk.", language="nl")
    pick = top("Where was Napoleon sent afterwards?", w)
    assert pick is not None and pick.item.text == "Sint Helena" and pick.item.stated == "St. Helena"


def test_which_language_is_answered_by_a_language_named_in_the_askers_language() -> None:
    assert analyse("In welke taal moet de vragenlijst worden ingevuld?").kind == "language"
    assert analyse("What languages do they speak?").kind == "language"
    w = window("The document must be completed in English, the government says.")
    pick = top("In welke taal moet het document worden ingevuld?", w, language="nl")
    assert pick is not None and (pick.item.text, pick.item.stated) == ("English", "Engels")
    assert top("In which language is it written?", window("Het is opgesteld in het Frans.", language="nl")
               ).item.stated == "French"
    assert top("Which language?", window("The document must be completed in time.")) is None


def test_the_speaker_of_a_passage_is_the_name_a_speech_verb_or_according_to_goes_with() -> None:
    text = "Citing privacy rules, U.S. officials have not said why, but Afghan Ambassador Hamdullah Mohib says so."
    assert speaker_in(text).text == "Hamdullah Mohib"
    assert speaker_in("Dat is een fout, zei Borrell vrijdag.").text == "Borrell"
    assert speaker_in("According to Colette Heald, ozone matters.").text == "Colette Heald"
    assert speaker_in("The Home Office today is to begin issuing questionnaires.") is None
    assert quoted("12,000, according to the article [uk ¶2]: „The Home Office today…”") == "The Home Office today…"
    assert quoted("I can't find that in the articles.") == ""


def test_which_team_names_the_team() -> None:
    w = window("The six-member Afghan team had been denied visas twice.")
    assert top("Which team was denied visas?", w).item.stated == "Afghan team"


def test_a_plural_which_question_is_answered_with_a_list() -> None:
    w = window("The study looked at yields of wheat, rice, maize and soybean crops worldwide.")
    pick = top("Which crops did the study look at?", w)
    assert pick is not None and pick.item.stated == "wheat, rice, maize and soybean"


# crops lie close to the crop names and far from everything else
_CROPS = FixedVectors({w: [1, 0] for w in ("crops", "wheat", "rice", "maize", "soybean")}, default=[0, 1])


def test_of_two_lists_in_a_window_the_one_like_the_asked_thing_answers() -> None:
    w = window("A team from the Massachusetts Institute of Technology and Colorado State University studied the "
               "yields of the crops wheat, rice, maize and soybean.")
    picks = candidates(analyse("Which crops did the researchers study?"), [w], Matcher(_CROPS),
                       CAL.type_margin, "en")
    assert picks and picks[0].item.stated == "wheat, rice, maize and soybean"


def test_lists_are_parallel_and_read_in_linear_time() -> None:
    text = "supported by the Croucher Foundation, US National Science Foundation, and US Park Service."
    [(start, end, elements)] = lists_in(text)
    assert elements == ["Croucher Foundation", "US National Science Foundation", "US Park Service"]
    assert text[start:end] == "Croucher Foundation, US National Science Foundation, and US Park Service"
    assert lists_in("Het gewest heeft het Nederlands en het Frans als talen.", "nl")[0][2] == ["Nederlands", "Frans"]
    assert lists_in("A" * 40_000) == []


def test_a_role_prefers_an_apposition_to_a_description() -> None:
    q = analyse("What role does Guterres hold?")
    windows = [window("Guterres is chef mondiaal multilateralisme.", language="nl", paragraph=4),
               window("Daarna was António Guterres, secretaris-generaal van de VN, te gast.", language="nl",
                      score=0.85, paragraph=3)]
    pick = choose_role(q, windows, CAL.type_margin)
    assert pick is not None and pick.item.stated == "secretaris-generaal van de VN"
    assert role_of(("borrell",), "Eén van hen is EU-Buitenlandchef Josep Borrell.")[0] == "EU-Buitenlandchef"
    assert role_of(("braverman",), "On Wednesday, Home Secretary Suella Braverman said")[0] == "Home Secretary"


# --- when to refuse ------------------------------------------------------------------------------------------

def test_nothing_asked_without_a_thread() -> None:
    assert rules.nothing_asked(analyse("and then?"), has_context=False) is not None
    assert rules.nothing_asked(analyse("and then?"), has_context=True) is None
    assert rules.nothing_asked(analyse("Who is Borrell?"), has_context=False) is None


def test_off_topic_when_no_sentence_is_close() -> None:
    assert rules.off_topic([window("x", score=CAL.off_topic - 0.01)], CAL) is not None
    assert rules.off_topic([window("x", score=CAL.off_topic + 0.01)], CAL) is None


def test_a_name_absent_from_the_store_is_refused() -> None:
    cands = [window("Borrell spoke in Brussels.").source]
    q = analyse("What did Macron say about Borrell?")
    absent = rules.unknown_name(q, cands, SPELLING, in_store=lambda name: False)
    assert absent == "'Macron' is not in the knowledge base"
    assert rules.unknown_name(q, cands, SPELLING, in_store=lambda name: True) is None


# a name lies near its translation and, as close, near common words of its field; the question's names a little
# apart from the article's words
_NAMES = FixedVectors({"kanaal": [1, 0.2], "wimbledon": [1, 0.2], "channel": [1, 0], "tennis": [1, 0],
                       "slam-toernooi": [1, 0]}, default=[0, 1])


def test_a_one_word_name_is_found_translated_only_as_another_one_word_name() -> None:
    names = Matcher(_NAMES, 0.9)
    crossing = ["Record numbers crossed the Channel last year."]
    tennis = ["Ze won haar eerste Grand Slam-toernooi; tennis bleef haar leven."]
    assert rules.missing_names(analyse("Hoeveel migranten staken het Kanaal over?"), crossing, names) == []
    assert rules.missing_names(analyse("How much did she earn at Wimbledon?"), tennis, names) == ["Wimbledon"]
    assert rules.missing_names(analyse("Who won the Grand Slam?"), tennis, names) == []  # spelled: anywhere


def test_a_name_in_another_spelling_is_held_only_by_a_word_written_as_a_name() -> None:
    robots = ["The teams built robots that purify water for the competition."]
    assert rules.missing_names(analyse("Who won the battle of Waterloo?"), robots, SPELLING, cross=False) == \
        ["Waterloo"]  # "water" shares its first five letters, but is no name
    kremlin = ["Poetin ontving Xi in het Kremlin."]
    assert rules.missing_names(analyse("Where did Putin receive Xi?"), kremlin, SPELLING) == []  # Poetin ~ Putin


def test_in_one_language_a_name_is_held_only_as_spelled() -> None:
    names = Matcher(FixedVectors({"antwerpen": [1, 0.1]}, default=[1, 0]), 0.9)  # all close
    article = ["De Vlaamse en de Franse Gemeenschap: Vlaanderen kiest mee."]
    q = analyse("Wie is de burgemeester van Antwerpen?")
    assert rules.foreign_names(q, article, names, cross=False, single=names) is not None
    assert rules.foreign_names(q, article, names, cross=True, single=names) is None  # across, a translation may do


def test_a_name_outside_the_answers_article_is_refused_unless_translated() -> None:
    article = ["Kim Clijsters won de US Open in 2005.", "Ze werd geboren in Bilzen."]
    assert rules.foreign_names(analyse("Heeft Kim Clijsters ooit in Waterloo gewonnen?"), article, SPELLING, False)
    # across languages a long name may be a translation ("Nationale Veiligheidsraad" for "National Security Council")
    q = analyse("Who asked the Nationale Veiligheidsraad for help?")
    assert rules.foreign_names(q, ["Trump asked the National Security Council."], SPELLING, cross=True) is None


def test_a_year_the_article_cannot_know_is_refused() -> None:
    article = ["The final was played in July 2018."]
    assert rules.wrong_year(analyse("Who won the World Cup in 2022?"), article, "2018-07") is not None
    assert rules.wrong_year(analyse("Who won the World Cup in 2018?"), article, "2018-07") is None


def test_a_count_whose_words_are_about_something_else_is_refused() -> None:
    q = analyse("How many farmers were interviewed?")
    assert rules.weak_item(0.5, q, CAL) is not None and rules.weak_item(1.0, q, CAL) is None


def test_a_number_far_from_the_questions_other_words_is_refused_in_one_language() -> None:
    q = analyse("Hoeveel kinderen zijn al teruggevonden?")
    w = window("De conferentie wil 16.200 kinderen opsporen.", language="nl")
    assert rules.detached(0.0, q, w, "nl") is not None
    assert rules.detached(0.0, q, w, "en") is None  # across languages the words cannot be compared by spelling


# a word lies nearest its translation (pipeline ~ pijpleiding), and all lie fairly close
_AXIS = {"pipeline": 0, "pijpleiding": 0, "finished": 1, "klaar": 1, "banquet": 2, "staatsbanket": 2}
_TRANSLATIONS = FixedVectors({w: list(np.eye(4)[i] * 0.3 + 0.7) for w, i in _AXIS.items()},
                             default=list(np.eye(4)[3] * 0.3 + 0.7))


def test_across_languages_a_date_needs_the_question_anchored_in_its_passage() -> None:
    q = analyse("When will the pipeline be finished?")
    matcher = Matcher(_TRANSLATIONS)
    article = ("Na een staatsbanket nam Xi dinsdag afscheid.", "De pijpleiding is pas in 2030 klaar.")
    words = article_words(article)
    banquet, pipeline = window(article[0], language="nl"), window(article[1], language="nl")
    assert rules.points_elsewhere(q, 0.0, banquet, words, matcher, "en") is not None
    assert rules.points_elsewhere(q, 0.0, pipeline, words, matcher, "en") is None
    assert rules.points_elsewhere(q, 0.5, banquet, words, matcher, "en") is None  # a word of it stands by the date
    assert rules.points_elsewhere(q, 0.0, banquet, words, matcher, "nl") is None  # one language: `detached`
    count = analyse("How many pages does the pipeline report have?")
    report = window("Het document telt 32 pagina's.", language="nl")
    assert rules.points_elsewhere(count, 0.0, report, words, matcher, "en") is not None
    assert rules.points_elsewhere(count, 0.0, report, words, matcher, "en", counted=True) is None  # "32 pagina's"
    named = analyse("When will Xi's pipeline be finished?")
    assert rules.points_elsewhere(named, 0.0, banquet, words, matcher, "en") is None  # the name anchors it


def test_a_money_verb_says_money_is_asked_and_names_nothing_to_count_or_stand_by() -> None:
    q = analyse("Hoeveel verdiende ze daarmee?")
    assert q.kind == "money" and q.focus == () and "verdiende" not in q.terms
    prize = window("Clijsters houdt aan haar zege 2,2 miljoen dollar over.", language="nl")
    assert rules.detached(0.0, q, prize, "nl") is None  # nothing else asked: the sum stands
    ticket = analyse("Hoeveel kost een kaartje voor de finale?")
    assert ticket.kind == "money" and rules.detached(0.0, ticket, prize, "nl") is not None  # no ticket by it


def test_an_untyped_answer_shares_a_word_with_the_question_in_one_language() -> None:
    w = window("China en Rusland willen samenwerken op elk terrein.", language="nl")
    assert rules.uncovered(analyse("Wat is het recept voor appeltaart?"), w, "nl", SPELLING) is not None
    assert rules.uncovered(analyse("Waarop willen China en Rusland samenwerken?"), w, "nl", SPELLING) is None


def test_a_quote_must_report_words_of_the_person_asked_about() -> None:
    q = analyse("What did Guterres say during the lunch?")
    invited = window("Guterres was invited to a lunch with European leaders.")
    said = window("“We feel lonely sometimes,” Guterres said at the lunch.")
    assert rules.unattributed(q, invited, invited.text, SPELLING) == "the window reports nobody's words"
    assert rules.unattributed(q, said, said.text, SPELLING) is None
    other = window("“We feel lonely,” an EU official said.")
    assert rules.unattributed(q, other, other.text, SPELLING) is not None
    about = window("„Wij voelen ons eenzaam”, zei een hoge EU-ambtenaar. „Ik denk dat Guterres zich ook eenzaam "
                   "voelt.”", language="nl")
    assert rules.unattributed(q, about, about.text, SPELLING) is not None  # named only inside what was said


def test_without_the_names_the_relation_must_still_be_close() -> None:
    q = analyse("Which country did Borrell visit after Beijing?")
    assert rules.weak_relation(window("x", related=CAL.min_relation - 0.01), q, CAL, masked=True) is not None
    assert rules.weak_relation(window("x", related=CAL.min_relation - 0.01), q, CAL, masked=False) is None


def test_weak_support_has_a_lower_floor_for_typed_answers() -> None:
    w = window("x", score=(CAL.min_support + CAL.min_support_typed) / 2)
    assert rules.weak_support(w, analyse("Why?"), CAL) is not None
    assert rules.weak_support(w, analyse("When?"), CAL, typed=True) is None


# --- threads, overviews, replies -----------------------------------------------------------------------------

def _turn(question: str, item: str = "", grounded: bool = True) -> Turn:
    src = Source("a1", "Title", 2, "text", 0.9, "", "en", "a1")
    return Turn(question, Answer("…", (src,), grounded, "en", question, "id1", item=item), 0.0)


def test_follow_ups_lean_on_the_previous_turn() -> None:
    assert is_follow_up("And which country proposed it?") and not is_follow_up("Who proposed the conference?")
    history = [_turn("Who defeated Napoleon at Waterloo?", item="Wellington and Blücher")]
    f = resolve("Where was he sent afterwards?", history)
    assert f is not None and f.referent == "Napoleon"  # "he" is one person; the answer named two
    assert f.query == "Where was Napoleon sent afterwards?" and f.article == "a1"
    why = resolve("Waarom?", [_turn("Welk team kreeg geen visum?")])
    assert why is not None and why.anaphoric and "Welk team kreeg geen visum?" in why.query
    assert resolve("Waarom?", []) is None


def test_a_pronoun_after_who_is_x_is_x_and_a_refusal_does_not_end_the_thread() -> None:
    who = _turn("Wie is Suella Braverman?", item="Home Secretary")  # the answer is her post, not another person
    said = resolve("Wat zei ze?", [who])
    assert said is not None and said.referent == "Suella Braverman"
    after_refusal = resolve("Wat zei ze?", [who, _turn("Met welke zender sprak ze?", grounded=False)])
    assert after_refusal is not None and after_refusal.referent == "Suella Braverman" and after_refusal.article == "a1"


def test_an_overview_is_the_title_the_lead_and_the_centre() -> None:
    paragraphs = ("Thursday, February 23, 2023", "The Home Office will send questionnaires to 12,000 asylum seekers.",
                  "Critics call the form a burden.", "The forms must be returned within twenty days.")
    art = ArticleText("a1", "UK asylum questionnaire", "2023-02", "en", "a1", "", paragraphs)
    rng = np.random.default_rng(1)
    sentences = {("a1", p): Sentences((t,), rng.normal(size=(1, 8)).astype(np.float32))
                 for p, t in enumerate(paragraphs, start=1)}
    ov = summarise(art, sentences, "en")
    assert ov.text.startswith("UK asylum questionnaire (2023-02) is about this [a1 ¶2]: „The Home Office")
    assert is_dateline(paragraphs[0]) and not is_dateline(paragraphs[1])
    assert "Ik heb 2 artikelen" in catalogue([art, art], "nl").text
    assert topic_terms(analyse("What is the article about the asylum questionnaire about?").terms) == (
        "asylum", "questionnaire")
    assert wants_catalogue("Which articles do you have?", analyse("Which articles do you have?").terms)


def test_replies_cut_quotes_at_words_and_say_article_or_articles() -> None:
    cut = trim("one two three four five six seven eight nine ten", 20)
    assert cut.endswith("…") and not cut[:-1].endswith(" ") and len(cut) <= 21
    assert trim("one two three four five six", 12, around=(18, 21)).startswith("…")
    assert (the_article("en", True), the_article("nl", False)) == ("the articles", "het artikel")


def test_a_window_naming_the_asked_ordinal_gains_and_one_naming_another_loses() -> None:
    first = frozenset({1})
    assert ordinal_agreement(first, [frozenset({1}), frozenset()]) == ORDINAL_BONUS  # "haar eerste toernooi"
    assert ordinal_agreement(first, [frozenset({5})]) == -ORDINAL_BONUS  # "de vijfde Grand Slam"
    assert ordinal_agreement(first, [frozenset()]) == 0.0
    assert ordinal_agreement(frozenset(), [frozenset({5})]) == 0.0


def test_an_overview_lists_a_person_once_by_the_fullest_name() -> None:
    paragraphs = ("Kim Clijsters won in New York.", "Daar won Kim opnieuw.", "In Antwerpen speelde Kim Clijsters.",
                  "Later speelde Kim in Antwerpen.")
    art = ArticleText("a", "T", "2006-08", "nl", "a", "", paragraphs)
    assert key_names(art, "nl") == ["Kim Clijsters", "Antwerpen"]  # not "Kim" as well


def test_an_overview_leads_with_the_first_statement_not_an_opening_question() -> None:
    texts = ["Was het de Siberische zalm?", "De steursoep?",
             "Na een staatsbanket in Moskou nam Xi afscheid van zijn gastheer.", "Hij vertrok."]
    assert lead_sentence(texts) == 2
    assert lead_sentence(["The union may strike again next week, its leaders said.", "Why?"]) == 0
    assert lead_sentence(["Why now?"]) == 0  # nothing better: the lead stays


def test_a_passage_naming_the_person_in_full_supports_who_is_questions() -> None:
    q = analyse("Wie is Colette Heald?")
    assert rules.names_subject(q, "As coauthor Colette Heald told The Huffington Post, the projections agree.")
    assert not rules.names_subject(q, "Heald said the projections agree.")
    assert role_of(q.subject, "As coauthor Colette Heald told The Huffington Post.")[0] == "coauthor"


def test_a_post_the_question_names_must_stand_in_the_answers_passage() -> None:
    q = analyse("Who is the coach of the team?")
    coach = window("According to the team's coach, Alireza Mehraban, the robot scored two points.")
    other = window("The team was welcomed by Hamdullah Mohib, the ambassador.")
    assert rules.other_role(q, coach, SPELLING, "en") is None
    assert rules.other_role(q, other, SPELLING, "en") is not None
    assert rules.other_role(analyse("Which politician went to Beijing?"), other, SPELLING, "en") is None  # a kind
    # a compound post is a post: "secretary-general", "Commissievoorzitter"
    assert analyse("Who will replace Guterres as secretary-general?").posts == ("secretary-general",)
    assert analyse("Wie volgt de Commissievoorzitter op?").posts == ("commissievoorzitter",)


def test_a_body_asked_about_in_one_language_is_no_answer_in_the_other() -> None:
    w = window("Twee dagen later was António Guterres, secretaris-generaal van de Verenigde Naties, uitgenodigd.",
               language="nl")
    pick = top("Who is the secretary-general of the UN?", w)
    assert pick is not None and pick.item.stated == "António Guterres"


def test_which_articles_do_you_have_asks_for_the_catalogue_in_both_languages() -> None:
    for question in ("Welke artikelen heb je?", "Which articles do you have?", "Wat voor artikelen ken je?"):
        assert wants_catalogue(question, analyse(question).terms), question
    about = "What do the articles say about ozone?"
    assert not wants_catalogue(about, analyse(about).terms)


def test_the_list_of_articles_lists_no_passages_and_the_console_no_heading_over_nothing() -> None:
    from adapters.console import render_sources

    art = ArticleText("a1", "Tulips", "2024-05", "en", "tulips", "", ("Growers sold purple tulips.",))
    answer = Answer(catalogue([art, art], "en").text, (), True, "en")
    assert render_sources(answer) == ""


def test_a_day_or_month_is_no_place_or_person() -> None:
    w = window("The competition ended on Tuesday; next year's contest will be held in Mexico City.")
    pick = top("Where will next year's contest be held?", w)
    assert pick is not None and pick.item.stated == "Mexico City"


def test_who_holds_a_post_is_the_name_the_passage_gives_it() -> None:
    from bot.reading.pick import holds_post

    text = ("De meeste burgemeesters zijn tweetalig, met als boegbeeld Freddy Thielemans, de burgemeester van "
            "Brussel-stad.")
    q = analyse("Wie is de burgemeester van Brussel?")
    assert holds_post(q, text, text.index("Freddy"), text.index("Freddy") + len("Freddy Thielemans"))
    assert not holds_post(q, text, text.index("Brussel-stad"), text.index("Brussel-stad") + len("Brussel-stad"))
    pick = top("Wie is de burgemeester van Brussel?", window(text, language="nl"), language="nl")
    assert pick is not None and pick.item.stated == "Freddy Thielemans"


def _weekday(question: str, text: str, day: str, language: str = "en") -> str | None:
    w = window(text, language=language)
    start = text.index(day)
    return rules.weekday_for_future(analyse(question), day, w, start, start + len(day))


def test_a_weekday_answers_a_question_about_the_future_only_from_a_clause_about_the_future() -> None:
    assert _weekday("When will the next competition take place?", "The competition ended on Tuesday.", "Tuesday")
    assert _weekday("When will the summit take place?", "The summit will take place on Thursday.", "Thursday") is None
    text = "De EU, zo maakte Von der Leyen donderdag bekend, zal een conferentie organiseren."
    assert _weekday("Wanneer zal de conferentie plaatsvinden?", text, "donderdag", "nl")  # "zal" is in another clause
    assert _weekday("When did the competition end?", "The competition ended on Tuesday.", "Tuesday") is None


def test_a_year_before_the_article_does_not_answer_a_question_about_the_future() -> None:
    future = analyse("When will the Brussels region get a new constitution?")
    assert rules.past_for_future(future, "1989", "2006-08") is not None
    assert rules.past_for_future(future, "2030", "2006-08") is None
    assert rules.past_for_future(analyse("When did the region get its council?"), "1989", "2006-08") is None
    assert rules.past_for_future(analyse("Wanneer zal de conferentie beginnen?"), "1 mei 2020", "2023-03") is not None


def test_an_amount_of_time_that_places_something_is_no_length_of_time() -> None:
    from bot.reading.items import numbers_for

    text = "Twee dagen later was Guterres uitgenodigd. Het bezoek duurde drie dagen."
    assert [n.value for n in numbers_for("duration", text, "nl", ())] == [3.0]


def test_the_relation_asked_leaves_out_a_name_that_only_qualifies_a_noun() -> None:
    from bot.language.question import masked

    assert masked(analyse("What is the population density of the Brussels region?"), "en") == \
        "What is the population density of the region?"
    assert masked(analyse("Of what is the whole Brussels region the de facto capital?"), "en") == \
        "Of what is the whole region the de facto capital?"
    assert masked(analyse("When did Napoleon escape from Elba?"), "en") == "When did they escape from Elba?"
    assert masked(analyse("What sanctions did the EU announce?"), "en") == \
        "What sanctions did the they announce?"  # after "did", the word after the name is a verb
    assert masked(analyse("How many migrants crossed the Channel last year?"), "en") == \
        "How many migrants crossed the they last year?"  # "last" ends no noun phrase


def test_the_askers_tomorrow_is_answered_only_by_a_passage_that_speaks_of_what_is_to_come() -> None:
    past = window("Since 1989 the people of Brussels elect their own parliament.")
    ahead = window("The parliament will vote on the budget tomorrow.")
    q = analyse("What is the weather forecast for Brussels tomorrow?")
    assert rules.after_now(q, past) is not None and rules.after_now(q, ahead) is None
    assert rules.after_now(analyse("Wat gebeurde er die morgen bij Waterloo?"), past) is None  # that morning
    assert rules.after_now(analyse("Wat gebeurt er morgen in Brussel?"), past) is not None


def test_a_sentence_counts_as_its_best_clause_less_a_penalty_for_the_order_only() -> None:
    """A long sentence whose one clause is the answer outranks a short sentence a little closer as a whole; the
    window's own cosine stays the sentence's, so refusal thresholds do not move."""
    sims = np.array([0.80, 0.82], dtype=np.float32)
    assert clause_lifted(sims, np.array([0.86, 0.70], np.float32), (0, 0), 0.005).tolist() == pytest.approx(
        [0.855, 0.82])
    assert clause_lifted(sims, np.zeros(0, np.float32), (), 0.005).tolist() == pytest.approx([0.80, 0.82])

    q = np.array([1.0, 0.0, 0.0], np.float32)
    def unit(*v: float) -> np.ndarray:
        a = np.array(v, np.float32)
        return a / np.linalg.norm(a)
    long_one = "On 26 February he escaped from the island, and on 1 March he landed in Cannes with 800 men."
    vectors = np.stack([unit(0.80, 0.6, 0.0), unit(0.82, 0.572, 0.0)])
    src = Source("a1", "Title", 1, "text", 0.9, "", "en", "a1")
    plain = {("a1", 1): Sentences((long_one, "Napoleon was exiled to the island of Elba."), vectors)}
    parted = {("a1", 1): Sentences(plain[("a1", 1)].texts, vectors, np.stack([unit(0.95, 0.31, 0.0)]), (0,))}
    top_plain = build(q, (), [src], plain, CAL)[0]
    top_parted = build(q, (), [src], parted, CAL)[0]
    assert top_plain.text.startswith("Napoleon was exiled") and top_parted.text.startswith("On 26 February")
    assert top_parted.dense == pytest.approx(0.80, abs=1e-3)  # the sentence's cosine, not the clause's
