"""Languages by name in English and Dutch (CLDR via Babel): "In welke taal?" is answered by "Engels"."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from .words import fold, load_words, tokens

# Nouns that make a "which X" question ask for a language ("in welke taal", "what languages").
LANGUAGE_NOUNS = load_words("language_nouns.txt")


def _language_names() -> dict[str, str]:
    """Every language name in English and Dutch (CLDR), folded, to its code."""
    out: dict[str, str] = {}
    for code in ("en", "nl"):
        for key, name in Locale(code).languages.items():
            out.setdefault(fold(name), key)
    return out


LANGUAGE_NAMES = _language_names()
# The ones a passage's single word can be read as: four letters or more ("Ga", "Yi" are too often something else).
LANGUAGE_CODES = {name: code for name, code in LANGUAGE_NAMES.items() if len(name) >= 4 and " " not in name}


@dataclass(frozen=True)
class LanguageName:
    """A language named in a text, where, and its CLDR code."""

    text: str
    start: int
    end: int
    code: str


def languages_in(text: str) -> list[LanguageName]:
    """The languages a text names, written with a capital as both languages write them ("in English", "Frans")."""
    return [LanguageName(t.text, t.start, t.end, LANGUAGE_CODES[t.fold]) for t in tokens(text)
            if t.capitalised and t.fold in LANGUAGE_CODES]


@lru_cache(maxsize=256)
def language_name(code: str, asker: str) -> str:
    """The language's name in the asker's language: en -> "Engels" for a Dutch question."""
    names = Locale(asker if asker in ("en", "nl") else "en").languages
    return names.get(code) or Locale("en").languages.get(code, code)
