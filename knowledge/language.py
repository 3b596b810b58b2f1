"""Which language a text is in (English or Dutch): the one detector, for questions (bot/) and articles (ingest)."""
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


def own_function_words(text: str, language: str) -> int:
    """How many of the text's words are function words of `language` alone: a phrase with any ("in het zuidelijke
    deel van de …") reads as that language, a name or number ("Sint Helena", "16.200") as none."""
    mine, other = (_NL, _EN) if language == "nl" else (_EN, _NL)
    return sum(w in mine and w not in other for w in _WORD.findall(text.lower()))


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
