"""Which language a question is in, and the bot's own phrases in that language."""
from __future__ import annotations

import re

SUPPORTED = ("en", "nl")

# Function words that are frequent in one language and rare in the other.
_EN = frozenset(
    "the a an is are was were of to and that this it with for on not what who whom whose which "
    "when where why how did does do has have had be been by from about they their he she his her "
    "according say said can could would should will there any some many much than then after before "
    "into between against why whats tell me please".split()
)
_NL = frozenset(
    "de het een is zijn was waren van naar en dat dit niet wat wie welke welk wanneer waar waarom "
    "hoe hoeveel heeft hebben had werd wordt door met voor op ze hij zij haar hun er om ook volgens "
    "zegt zei kan kon zou zal over tegen tussen na voor bij uit aan nog geen maar dan als wil willen "
    "vindt vinden zich deze die welke vertel mij graag".split()
)
_NL_SHAPES = re.compile(r"ij|oe|sch|aa|ee|uu|cht\b|lijk", re.I)
_WORD = re.compile(r"[a-zà-ÿ']+")


_GREETING = re.compile(
    r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|hallo|hoi|hey|dag|goedemorgen|goedemiddag|"
    r"goedenavond)( there| daar| all| allemaal)?\s*[,!.:;-]*\s+",
    re.I,
)
_THANKS = re.compile(
    r"[\s,;:-]*\b(thanks|thank you|thx|cheers|ta|bedankt|dank je( wel)?|dank u( wel)?|dankjewel|dankuwel|merci)"
    r"( (in advance|alvast|so much|a lot))?\s*[!.]*\s*$",
    re.I,
)


def strip_pleasantries(text: str) -> str:
    """'Hi, what did Borrell say? Thanks!' -> 'what did Borrell say?': chat manners are not part of the question."""
    previous = None
    while previous != text:
        previous = text
        text = _THANKS.sub("", _GREETING.sub("", text)).strip()
    return text


def detect(text: str) -> str:
    """English or Dutch from function words; spelling shapes break a tie; English when unsure."""
    words = _WORD.findall(text.lower())
    en = sum(w in _EN for w in words)
    nl = sum(w in _NL for w in words)
    if nl > en:
        return "nl"
    if en > nl:
        return "en"
    shapes = len(_NL_SHAPES.findall(text))
    return "nl" if words and shapes >= max(2, len(words) // 3) else "en"


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
    # Discord adapter (adapters/discord*.py)
    "discord_rate_limited": {
        "en": "Discord is asking me to slow down; please try again in {seconds:.0f} s.",
        "nl": "Discord vraagt me het rustiger aan te doen; probeer het over {seconds:.0f} s nog eens.",
    },
    "discord_feedback_unknown": {
        "en": "I no longer have that answer, so I couldn't record your vote.",
        "nl": "Dat antwoord heb ik niet meer, dus ik kon je stem niet bewaren.",
    },
    "discord_feedback_up": {"en": "Helpful", "nl": "Nuttig"},
    "discord_feedback_down": {"en": "Not helpful", "nl": "Niet nuttig"},
    "discord_command_outdated": {
        "en": "That command doesn't match this version of briefbot; ask an admin to run `briefbot discord sync`.",
        "nl": "Dat commando past niet bij deze versie van briefbot; vraag een beheerder `briefbot discord sync` te draaien.",
    },
    "discord_sources_for": {
        "en": "The passages behind the answer to “{question}”:",
        "nl": "De passages achter het antwoord op „{question}”:",
    },
    "discord_more_sources": {
        "en": "{count} more: use /sources to see every passage.",
        "nl": "Nog {count}: gebruik /sources om alle passages te zien.",
    },
    "discord_no_sources": {
        "en": "The last answer here didn't rest on any passage from the articles.",
        "nl": "Het laatste antwoord hier steunde op geen enkele passage uit de artikelen.",
    },
    "discord_about_title": {"en": "What I know", "nl": "Wat ik weet"},
    "discord_about_intro": {
        "en": "I answer questions about these {count} news articles and cite the paragraphs I used:",
        "nl": "Ik beantwoord vragen over deze {count} nieuwsartikelen en noem de alinea's die ik gebruikte:",
    },
    "discord_about_intro_one": {
        "en": "I answer questions about this news article and cite the paragraphs I used:",
        "nl": "Ik beantwoord vragen over dit nieuwsartikel en noem de alinea's die ik gebruikte:",
    },
    "discord_about_empty": {
        "en": "No articles have been loaded yet, so there is nothing I can answer about.",
        "nl": "Er zijn nog geen artikelen geladen, dus ik kan nog nergens over antwoorden.",
    },
    "discord_about_howto_title": {"en": "How to ask", "nl": "Zo vraag je het"},
    "discord_about_howto": {
        "en": (
            "`/ask question:…` ask a question (add `private:True` to see the answer on your own)\n"
            "`@briefbot …` ask in a message; I reply to it\n"
            "`/sources` the full passages behind the last answer here\n"
            "`/reset` forget this channel's conversation\n"
            "I answer in the language you ask in (English or Dutch)."
        ),
        "nl": (
            "`/ask question:…` stel een vraag (met `private:True` zie alleen jij het antwoord)\n"
            "`@briefbot …` vraag het in een bericht; ik antwoord daarop\n"
            "`/sources` de volledige passages achter het laatste antwoord hier\n"
            "`/reset` vergeet het gesprek in dit kanaal\n"
            "Ik antwoord in de taal waarin je vraagt (Nederlands of Engels)."
        ),
    },
}


def phrase(key: str, language: str, **values: object) -> str:
    """The bot's phrase `key` in `language` (English for anything unsupported)."""
    table = PHRASES[key]
    text = table.get(language) or table["en"]
    return text.format(**values) if values else text
