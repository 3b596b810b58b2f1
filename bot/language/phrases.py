"""The bot's own phrases in the asker's language, and chat manners stripped from questions (the language detector
is knowledge/language.py, shared with ingestion; re-exported here)."""
from __future__ import annotations

import re

from knowledge.language import SUPPORTED, detect

__all__ = ["PHRASES", "SUPPORTED", "detect", "phrase", "register", "strip_pleasantries", "strip_thanks"]

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|hallo|hoi|hey|dag|goedemorgen|goedemiddag|"
    r"goedenavond)( there| daar| all| allemaal)?\s*[,!.:;-]*\s+",
    re.I,
)
# Chat manners at the end of a question. Matched only against a short tail of the text, after a plain
# rstrip of the closing punctuation: no pattern ever runs over a long run of separators (issue 10: the old
# `[\s,;:-]*\b(thanks…)` form was quadratic on 40,000 commas).
_THANKS = re.compile(
    r"\b(?:thanks|thank you|thx|cheers|ta|bedankt|dank je(?: wel)?|dank u(?: wel)?|dankjewel|dankuwel|merci)"
    r"(?: (?:in advance|alvast|so much|a lot))?\Z",
    re.I,
)
_THANKS_TAIL = 40  # longer than the longest phrase above ("thank you in advance" is 20)
_TRAILING = " \t\r\n!."
_SEPARATORS = " \t\r\n,;:-"
_MAX_ROUNDS = 4  # "Hi, hey! … thanks, cheers!": a few layers, never one round per word of a long input


def strip_thanks(text: str) -> str:
    """'what did Borrell say? Thanks!' -> 'what did Borrell say?': linear in the length of `text`."""
    core = text.rstrip(_TRAILING)
    found = _THANKS.search(core, max(0, len(core) - _THANKS_TAIL))
    return core[: found.start()].rstrip(_SEPARATORS) if found else text


def strip_pleasantries(text: str) -> str:
    """'Hi, what did Borrell say? Thanks!' -> 'what did Borrell say?': chat manners are not part of the question."""
    for _ in range(_MAX_ROUNDS):
        previous = text
        text = strip_thanks(_GREETING.sub("", text, count=1)).strip()
        if text == previous:
            break
    return text


PHRASES: dict[str, dict[str, str]] = {
    "according": {
        "en": "According to the article {cite}:",
        "nl": "Volgens het artikel {cite}:",
    },
    "also": {"en": "It also says {cite}:", "nl": "Verder staat er {cite}:"},
    "not_found": {
        "en": "I can't find the answer in the article: it is not covered there.",
        "nl": "Dat staat niet in het artikel, dus dat kan ik niet beantwoorden.",
    },
    "closest": {"en": "Closest I found {cite}:", "nl": "Het dichtstbij kwam {cite}:"},
    "empty_question": {
        "en": "Ask me a question about the news articles, e.g. “What did Borrell say about China?”",
        "nl": "Stel me een vraag over de nieuwsartikelen, bijvoorbeeld „Wat zei Borrell over China?”",
    },
    "too_long": {
        "en": "That question is {length:,} characters long; please keep it under {limit:,}.",
        "nl": "Die vraag is {length:,} tekens lang; houd het onder de {limit:,}.",
    },
    "thinking": {"en": "Looking it up…", "nl": "Even zoeken…"},
    "apology": {
        "en": "Sorry, something went wrong while answering. Please try again in a moment.",
        "nl": "Sorry, er ging iets mis bij het beantwoorden. Probeer het zo nog eens.",
    },
    "llm_timeout": {
        "en": "The language model took longer than {seconds:g} s and was stopped. Please try again.",
        "nl": "Het taalmodel deed er langer over dan {seconds:g} s en is gestopt. Probeer het nog eens.",
    },
    "llm_failed": {
        "en": "The language model could not be reached. Please try again later.",
        "nl": "Het taalmodel is niet bereikbaar. Probeer het later nog eens.",
    },
    "answer_cut": {
        "en": "(The answer was cut here: it was longer than {limit:,} characters.)",
        "nl": "(Het antwoord is hier afgebroken: het was langer dan {limit:,} tekens.)",
    },
    "store_down": {
        "en": "The knowledge base is not reachable right now. Please try again in a moment.",
        "nl": "De kennisbank is nu niet bereikbaar. Probeer het zo nog eens.",
    },
    "rate_limited": {
        "en": "You're asking faster than I can keep up; please wait {seconds:.0f} s and ask again.",
        "nl": "Je vraagt sneller dan ik bij kan houden; wacht {seconds:.0f} s en vraag het opnieuw.",
    },
    "queued": {
        "en": "Busy right now: you're #{position} in line.",
        "nl": "Het is even druk: je bent nummer {position} in de rij.",
    },
    "thanks": {"en": "Thanks for the feedback!", "nl": "Bedankt voor je feedback!"},
    "sources": {"en": "Sources", "nl": "Bronnen"},
    "no_last_answer": {
        "en": "There is no earlier answer in this conversation yet.",
        "nl": "Er is in dit gesprek nog geen eerder antwoord.",
    },
    "reset": {
        "en": "Done: I've forgotten this conversation.",
        "nl": "Klaar: ik ben dit gesprek vergeten.",
    },
    "usage": {
        "en": "Mention me with a question, e.g. `@briefbot what did Borrell say about China?`",
        "nl": "Noem mij met een vraag, bijvoorbeeld `@briefbot wat zei Borrell over China?`",
    },
}


def register(table: dict[str, dict[str, str]]) -> None:
    """Adapters add their platform phrases here (adapters/phrases.py); the core keeps only its own."""
    clash = set(table) & set(PHRASES)
    if any(PHRASES[k] != table[k] for k in clash):
        raise ValueError(f"phrase keys registered twice with different texts: {sorted(clash)}")
    PHRASES.update(table)


def phrase(key: str, language: str, **values: object) -> str:
    """The bot's phrase `key` in `language` (English for anything unsupported)."""
    table = PHRASES[key]
    text = table.get(language) or table["en"]
    return text.format(**values) if values else text
