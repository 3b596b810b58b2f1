"""The answer channels' question detector on real-looking chat lines, English and Dutch: it decides whether a line
asks something at all, never whether the articles can answer it."""
from __future__ import annotations

import pytest

from bot.language.asking import is_question

QUESTIONS = [
    # English, with and without a question mark, direct and indirect, requests
    "What did Borrell say about China?",
    "how many deported children does the conference want to trace",
    "Who is the EU's foreign policy chief these days?",
    "Does anyone know when Xi visited Moscow?",
    "anyone know if the EU said anything about multilateralism",
    "Is the summit still on for Thursday?",
    "Quick one: did Putin and Xi sign anything?",
    "hey @briefbot, why is China backing Russia?",
    "Tell me about the state visit to Moscow",
    "Can someone explain what the ICC warrant means for Putin",
    "I wonder which countries backed the conference",
    "Where was the conference on deported children held? Asking for a piece I'm writing.",
    "thanks! and what about the sanctions?",
    "What's the latest on the China–Russia talks",
    # Dutch
    "Wat zei Borrell over China?",
    "hoeveel gedeporteerde kinderen wil de conferentie opsporen",
    "Wie is de hoogste buitenlandchef van de EU?",
    "Weet iemand wanneer Xi in Moskou was?",
    "Klopt het dat China wapens levert aan Rusland?",
    "Waarom steunt China Rusland eigenlijk",
    "Vertel eens wat over het staatsbezoek",
    "Kan iemand uitleggen wat het arrestatiebevel betekent?",
    "Goedemorgen! Wanneer begint de top in Brussel?",
    "Heeft de EU al gereageerd op het bezoek van Xi?",
]

NOT_QUESTIONS = [
    # statements
    "The summit starts at 10 tomorrow.",
    "I just read the piece on Xi's visit to Moscow, very interesting",
    "What he said about multilateralism was spot on.",
    "Who knows what tomorrow brings!",
    "What a week it has been!",
    "Borrell's speech is on page 3",
    "De top begint morgen om tien uur.",
    "Wat hij zei over multilateralisme klopt gewoon.",
    "Wat een dag!",
    "Ik heb het artikel over Xi gelezen, erg goed",
    "Hoe dan ook, het stuk staat online.",
    "Wie weet, misschien komt er nog een vervolg.",
    "When I got to the press room the briefing had started",
    # chit-chat
    "thanks!",
    "ok",
    "lol 😂",
    "Good morning all",
    "how are you?",
    "Hoe gaat het?",
    "alles goed?",
    "bedankt, top!",
    ":+1:",
    "https://example.org/story",
]


@pytest.mark.parametrize("line", QUESTIONS)
def test_questions_are_questions(line: str) -> None:
    assert is_question(line)


@pytest.mark.parametrize("line", NOT_QUESTIONS)
def test_statements_and_chit_chat_are_not(line: str) -> None:
    assert not is_question(line)


def test_a_follow_up_in_a_thread_may_be_one_word() -> None:
    assert not is_question("Why?") and is_question("Why?", min_words=1)
    assert is_question("En in 2022?", min_words=1) and not is_question("ok", min_words=1)
