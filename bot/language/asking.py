"""Whether a chat line asks something at all (English and Dutch): what an answer channel answers without a mention.

It decides only that a line is a question, not that the articles hold its answer (the answer's own `grounded`
decides whether the bot speaks). A line asks when one of its sentences ends in "?", when it opens the way a
question or a request opens ("how many…", "wat zei…", "tell me…", "weet iemand…"), unless it is an exclamation
("What a day!", "Wat een wedstrijd!"), a clause about something said ("What he said was wrong", "Wat ik bedoel…"),
or small talk ("thanks!", "hoe gaat het?"). Deliberately plain: a few word lists, no model.
"""
from __future__ import annotations

import re

from .phrases import strip_pleasantries

WH = frozenset("""
what who whom whose which when where why how what's who's where's how's when's whats whos wheres hows
wat wie wiens welk welke wanneer waar waarom hoe hoeveel hoezo waarheen waarvoor waardoor waaraan waarover waarmee
waarin waaruit waarvan
""".split())
# Openings of a request or an indirect question, matched on the folded start of the line.
REQUESTS = (
    "tell me", "tell us", "explain", "describe", "summarise", "summarize", "give me", "show me", "list the",
    "i wonder", "i'd like to know", "i would like to know", "do you know", "does anyone know", "anyone know",
    "does anybody know", "any idea", "can someone", "can anyone", "could someone", "could you", "can you",
    "please explain", "please tell",
    "vertel", "leg uit", "leg eens uit", "beschrijf", "vat samen", "geef me", "geef een", "noem", "ik vraag me af",
    "weet iemand", "weet jij", "weet je", "weet u", "iemand een idee", "kan iemand", "kun je", "kunt u", "kan je",
    "zou je", "zou iemand",
)
# Words after an opening question word that make the line a statement ("What he said…", "Wat ik bedoel…").
SUBJECTS = frozenset("""
i you he she it we they one people this that there
ik jij je u hij zij ze het wij we jullie men er dit dat
""".split())
# Openings with a question word that are set phrases, not questions ("Hoe dan ook, …" is "anyway, …").
SET_PHRASES = ("hoe dan ook", "hoe het ook zij", "wat mij betreft", "waar mogelijk", "waar nodig", "wie weet",
               "who knows", "what else is new", "how about that")
EXCLAIMING = frozenset({"a", "an", "een", "a lot", "n"})  # "what a day", "wat een dag"
SMALL_TALK = (
    "how are you", "how's it going", "hows it going", "how is it going", "how are things", "what's up", "whats up",
    "how was your weekend", "hoe gaat het", "hoe is het", "hoe gaat ie", "alles goed", "hoe was je weekend",
    "hoe was het weekend",
)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_MARKUP = re.compile(r"(<[^<>]{1,200}>|https?://\S+|`[^`]*`|:[a-z0-9_+-]+:)")
_SENTENCE_END = re.compile(r"\?+[\"'”’»)\]]*(?=\s|$)")


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def is_question(text: str, *, min_words: int = 3) -> bool:
    """Whether `text` asks something; a line of fewer than `min_words` words never does (a thread's follow-up
    may pass 1: "Why?")."""
    line = " ".join(_MARKUP.sub(" ", text).split())
    line = strip_pleasantries(line)
    words = _words(line)
    if len(words) < min_words:
        return False
    folded = " ".join(words)
    if any(folded == s or folded.startswith(s + " ") and len(words) <= len(s.split()) + 2 for s in SMALL_TALK):
        return False
    if _SENTENCE_END.search(line):
        return True
    if line.rstrip().endswith("!"):
        return False  # "What a day!", "Who cares!"
    if any(folded == r or folded.startswith(r + " ") for r in REQUESTS):
        return True
    if any(folded == p or folded.startswith(p + " ") for p in SET_PHRASES):
        return False
    first, second = words[0], words[1] if len(words) > 1 else ""
    return first in WH and second not in SUBJECTS and second not in EXCLAIMING
