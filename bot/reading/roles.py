"""What someone is: the post or occupation an article gives a person ("secretaris-generaal van de VN")."""
from __future__ import annotations

import re

from bot.language.match import same_word
from bot.language.names import is_role_word, names_in
from bot.language.words import FUNCTION_WORDS, tokens

_ARTICLES = frozenset("a an the een de het".split())
_COPULA = re.compile(r"^\s*(?:is|was|wordt|werd|blijft|remains|became|werd)\s+(?:a|an|the|een|de|het)?\s*", re.I)
_APPOSITION = re.compile(r"^\s*,\s*((?:[\w'’-]+\s+){0,9}?[\w'’-]+)\s*(?=,|\.|;|$)")


APPOSITION, TITLE, DESCRIPTION = 0, 1, 2  # how a role is given, most telling first


def role_of(person: tuple[str, ...], text: str) -> tuple[str, int, int, int] | None:
    """The role a text gives the named person, with its span: an apposition ("Guterres, secretaris-generaal van
    de Verenigde Naties,"), a title before the name ("EU-Buitenlandchef Josep Borrell") or "Guterres is chef …"."""
    for n in names_in(text, frozenset(person)):
        if not any(same_word(w, p) for w in n.words for p in person):
            continue
        lead = [w for w in n.text.split()]
        k = 0
        while k < len(lead) - 1 and is_role_word(lead[k]):
            k += 1
        if k:  # "EU-Buitenlandchef Josep Borrell": the run opens with the title
            title = " ".join(lead[:k])
            return title, n.start, n.start + len(title), TITLE
        after = text[n.end :]
        m = _APPOSITION.match(after)
        if m and any(is_role_word(t.text) for t in tokens(m.group(1))):
            start = n.end + m.start(1)
            return m.group(1), start, start + len(m.group(1)), APPOSITION
        m = _COPULA.match(after)
        if m:
            rest = after[m.end() :]
            phrase = re.split(r"[,.;:]", rest, maxsplit=1)[0]
            words = phrase.split()[:8]
            if words and is_role_word(words[0]) or any(is_role_word(w) for w in words[:3]):
                phrase = " ".join(words)
                start = n.end + m.end()
                return phrase, start, start + len(phrase), DESCRIPTION
        head = text[: n.start]
        cut = max(head.rfind(c) for c in ",.;:(")
        before = [t for t in tokens(head[cut + 1 :])][-3:]
        titles: list = []
        for t in reversed(before):
            if is_role_word(t.text) or (titles and t.capitalised and t.fold not in _ARTICLES | FUNCTION_WORDS):
                titles.insert(0, t)
            else:
                break
        if titles:
            off = cut + 1
            return (text[off + titles[0].start : off + titles[-1].end], off + titles[0].start,
                    off + titles[-1].end, TITLE)
    return None
