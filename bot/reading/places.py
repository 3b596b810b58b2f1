"""Where places stand in a passage: what makes a name a place, and where a text says a place lies."""
from __future__ import annotations

import re

from bot.language.names import Name, is_country, territory
from bot.language.question import PLACE_NOUNS
from bot.language.words import tokens

from .items import Item, place_name

LOCATIVE = frozenset("in at to from near naar te bij uit op nabij".split())
FROM = frozenset("from uit van vanuit".split())
TO = frozenset("to naar into richting".split())
_COUNTRY_NOUNS = frozenset("country countries land landen nation nations natie naties state states".split())
_TOWN_NOUNS = frozenset("city cities town towns village villages municipality municipalities stad steden dorp "
                        "dorpen gemeente gemeenten plaats plaatsen".split())


def placed_by(before: str | None) -> bool:
    """The word before a name makes it a place: a locative preposition ("in Cannes") or a noun for a kind of place
    ("het eiland Sint Helena", "de havenstad Cannes")."""
    if not before:
        return False
    return before in LOCATIVE or before in PLACE_NOUNS or any(
        len(before) > len(noun) >= 4 and before.endswith(noun) for noun in PLACE_NOUNS)


def place_fit(focus: tuple[str, ...], n: Name, before: str | None) -> float:
    """How much a name is the place asked for: a country for "which country", a town for "which city", else a
    name a preposition or a noun for a place introduces."""
    country = is_country(n.text)
    wants = set(focus[:2])
    if wants & _COUNTRY_NOUNS:
        return 0.5 if country else 0.1
    if wants & _TOWN_NOUNS:
        return 0.1 if country else 0.4
    return 0.3 + 0.2 * placed_by(before) + 0.1 * (n.kind == "place")


def direction(question: str, before: str | None) -> bool:
    """Where from / where to: the question's preposition matches the one before the place ("uit welke landen")."""
    words = {t.fold for t in tokens(question)}
    return bool(before) and (bool(words & FROM) and before in FROM or bool(words & TO) and before in TO)


def gloss_items(name: str, text: str, language: str) -> list[tuple[Item, float]]:
    """Where a place lies is what the text glosses it with: a country or region in brackets or after a comma
    ("het dorp Waterloo (België)", "Herat, Afghanistan"); nothing else in the passage says where it is."""
    out = []
    for g in re.finditer(rf"\b{re.escape(name)}\b\s*(?:\(([^()]{{2,40}})\)|,\s*([A-Z][\w-]+(?: [A-Z][\w-]+)?))", text):
        found, start = (g.group(1), g.start(1)) if g.group(1) is not None else (g.group(2), g.start(2))
        if territory(found) is not None:
            item = Item("place", found, place_name(found, language), start, start + len(found), 1.0, 1.0)
            out.append((item, 1.5))
    return out
