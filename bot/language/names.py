"""Names in news text: runs of capitalised words, told apart as places, organisations and people."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from .languages import LANGUAGE_NAMES
from .words import FUNCTION_WORDS, NAME_PARTICLES, fold, load_list, load_words, sentence_starts, tokens

ORG_HEADS = load_words("org_heads.txt")
ROLES = load_words("roles.txt")


@lru_cache(maxsize=65536)
def is_role_word(word: str) -> bool:
    """A word for a post or occupation, also closing a compound (Buitenlandchef, Commissievoorzitter)."""
    parts = fold(word).split("-")  # a compound ends in a role of 4+ letters after 3+ letters of its own
    return any(p in ROLES or any(p[i:] in ROLES for i in range(3, len(p) - 3)) for p in parts)


@lru_cache(maxsize=65536)
def heads_org(word: str) -> bool:
    """An institution's head noun, also closing a Dutch compound (Strafhof, Veiligheidsraad, Rijksuniversiteit)."""
    f = fold(word)  # a compound ends in a head of 3+ letters after 4+ letters of its own
    return f in ORG_HEADS or any(f[i:] in _LONG_HEADS for i in range(4, len(f) - 2))


def _territories() -> dict[str, str]:
    """Every country and region name in English and Dutch (CLDR), folded, to its code: Zuid-Korea -> KR."""
    out: dict[str, str] = {}
    for code in ("en", "nl"):
        for key, name in Locale(code).territories.items():
            if not key.isdigit() or len(name) > 3:
                out[fold(name)] = key
                out[fold(name).replace("-", " ")] = key  # "Sint Helena" as well as "Sint-Helena"
    for line in load_list("abbreviations.txt"):  # UN ~ VN ~ Verenigde Naties
        code, _, words = line.partition(":")
        for word in words.split():
            out[fold(word)] = code.strip()
    return out


TERRITORIES = _territories()
_LONG_HEADS = frozenset(h for h in ORG_HEADS if len(h) >= 3)
_TERRITORY_STEMS = {word[:5]: code for name, code in sorted(TERRITORIES.items(), key=lambda kv: -len(kv[0]))
                    for word in name.split()[:1]
                    if len(word) >= 5 and word not in ("saint", "north", "south", "united")}


_GROUPINGS = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "NATO"})  # CLDR's alphabetic non-country codes


def is_country(text: str) -> bool:
    """A country's name in either language (Polen, Poland), not a union of them (Europese Unie, VN)."""
    code = TERRITORIES.get(fold(text).replace("-", " "))
    return code is not None and code.isalpha() and code not in _GROUPINGS


def adjective_of_people(word: str) -> bool:
    """French, Dutch, Frans, Afghaanse: a language or a people's adjective, not the name of something."""
    f = fold(word)
    return f in LANGUAGE_NAMES or (len(f) >= 5 and f[:5] in _TERRITORY_STEMS and f not in TERRITORIES)


@lru_cache(maxsize=65536)
def territory(text: str) -> str | None:
    """The CLDR code of a country or region name in either language, or of its adjective (Afghaanse -> AF)."""
    f = fold(text).replace("-", " ")
    if f in TERRITORIES:
        return TERRITORIES[f]
    if len(f) >= 5 and " " not in f:
        return _TERRITORY_STEMS.get(f[:5])
    return None


@dataclass(frozen=True)
class Name:
    """A run of capitalised words ("António Guterres", "University of Sheffield") and what it names."""

    text: str
    start: int
    end: int
    kind: str  # person | place | organisation | other
    words: tuple[str, ...]  # folded


PLACE_NOUNS = load_words("place_nouns.txt")
_ADJECTIVE = re.compile(r"(se|sche|ese|ish|ian|ians)$")


_ARTICLES = frozenset({"the", "het", "a", "an"})  # no person's name opens with one ("The Huffington Post")


def _kind(words: tuple[str, ...], text: str) -> str:
    """Place if every word names a country or region, organisation if an acronym or an institution's head noun."""
    if fold(text) in TERRITORIES:
        return "place"
    if all(_ADJECTIVE.search(w) and len(w) >= 5 for w in words) or (len(words) == 1 and adjective_of_people(text)):
        return "adjective"  # Britse, Pruisische, Chinese: a people's adjective, not a name
    if territory(" ".join(words)) or (len(words) == 1 and territory(words[0])):
        return "place"
    if any(heads_org(w) for w in words) or (len(text) >= 2 and text.replace("-", "").isupper() and len(words) <= 3):
        return "organisation"
    if len(words) >= 2 and words[-1] in PLACE_NOUNS:
        return "place"  # "Mexico City", "Rhode Island": a name whose head is a kind of place
    if len(words) >= 2 and words[0] not in _ARTICLES and all(w not in ROLES for w in words) and all(
        part[:1].isupper() for word in text.split() if fold(word) not in NAME_PARTICLES for part in word.split("-")
    ):
        return "person"  # every part capitalised: "Mary Pierce", not "Grand Slam-toernooi" or "EU-ambtenaar"
    return "other"


_LONGEST = 8  # words in the longest name read as one ("Daughters of the American Revolution Constitution Hall")


@lru_cache(maxsize=4096)
def names_in(text: str, known: frozenset[str] = frozenset()) -> tuple[Name, ...]:
    """Capitalised runs, joined over name particles; a sentence's first word only if `known` or part of a run."""
    toks = tokens(text)
    starts = sentence_starts(text)
    out: list[Name] = []
    run: list = []

    def close() -> None:
        while run and run[-1].fold in NAME_PARTICLES:
            run.pop()
        if run:
            first = run[0]
            lone_opener = len(run) == 1 and first.start in starts and first.fold not in known
            while len(run) > 1 and run[0].start in starts and (run[0].fold in FUNCTION_WORDS or known and
                                                                run[0].fold not in known):
                run.pop(0)  # "Which Schaerbeek mayor", "Results of NCLAN": a sentence's opener is not a name
                while len(run) > 1 and run[0].fold in NAME_PARTICLES:
                    run.pop(0)
            first = run[0]
            if not lone_opener and not (len(run) == 1 and first.fold in FUNCTION_WORDS):
                last_role = max((i for i, t in enumerate(run[:-1]) if is_role_word(t.text)), default=-1)
                if last_role >= 0 and len(run) - last_role - 1 >= 1 and run[last_role + 1].fold not in ORG_HEADS:
                    del run[: last_role + 1]  # "President Donald Trump": the title is not part of the name
                for part in _split_at_place(run):
                    if len(part) >= 3 and adjective_of_people(part[0].text) and \
                            _kind(tuple(t.fold for t in part[1:]), text[part[1].start : part[-1].end]) == "person":
                        part = part[1:]  # "de Russin Elena Dementieva": her nationality is not her name
                    words = tuple(t.fold for t in part)
                    span = text[part[0].start : part[-1].end].rstrip("'’")
                    span = span[:-2] if span.endswith(("'s", "’s")) else span
                    out.append(Name(span, part[0].start, part[-1].end, _kind(words, span), words))
        run.clear()

    for i, t in enumerate(toks):
        gap = text[run[-1].end : t.start] if run else ""
        if run and (gap.strip() not in ("", "-") or re.search(r"[.,;:!?()\"“”„]", gap)):
            close()
        if t.capitalised and not t.text[0].isdigit():
            if len(run) >= _LONGEST:
                close()  # no name is longer; a run of capitals is cut rather than read whole (linear time)
            run.append(t)
            if t.text.endswith(("'s", "’s")):  # "Labour's Shadow Home Secretary": a possessive ends a name
                close()
        elif run and t.fold in NAME_PARTICLES and i + 1 < len(toks) and (
            toks[i + 1].capitalised or toks[i + 1].fold in NAME_PARTICLES
        ):
            run.append(t)
        else:
            close()
    close()
    return tuple(out)


def _split_at_place(run: list) -> list[list]:
    """"United States Hamdullah Mohib" is a country then a person: split a run after a leading place name, unless
    what follows is the head of one name ("Mexico City", "Panama Canal" is a place noun or a body's head)."""
    for cut in range(len(run) - 1, 0, -1):
        if " ".join(t.fold for t in run[:cut]) in TERRITORIES and run[cut].fold not in ORG_HEADS:
            if len(run) - cut == 1 and run[cut].fold in PLACE_NOUNS:
                return [run]
            return [run[:cut], run[cut:]]
    return [run]


def known_words(texts: list[str]) -> frozenset[str]:
    """Words written with a capital in mid-sentence somewhere in these texts: the names of the material."""
    known: set[str] = set()
    for text in texts:
        starts = sentence_starts(text)
        for t in tokens(text):
            if t.capitalised and t.start not in starts and t.fold not in FUNCTION_WORDS:
                known.add(t.fold)
    return frozenset(known)
