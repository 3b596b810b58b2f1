"""Overviews: what an article is about (its lead and most central sentences), or which articles there are."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.common.models import Source
from bot.language.dates import dates_in
from bot.language.names import names_in
from bot.language.replies import cite, say, trim
from bot.language.words import fold, tokens
from bot.retrieval.retriever import ArticleText, Sentences

from .items import join, place_name

# Words that ask for an overview rather than name a topic ("summarise the main points").
OVERVIEW_WORDS = frozenset(fold(w) for w in (
    "summarise summarize summary sum gist overview main key central points point takeaways takeaway idea ideas "
    "message nutshell tldr about story piece text cover covers topic topics "
    "samenvatting vat vatten samen kern hoofdpunten hoofdlijnen strekking gaat gaan ging over stuk verhaal "
    "onderwerp onderwerpen waarover").split())
_PLURAL = re.compile(r"\b(articles|stories|artikelen|stukken)\b", re.I)


@dataclass(frozen=True)
class Overview:
    """An overview reply: its text, the passages it quotes, and the rule behind it."""

    text: str
    sources: tuple[Source, ...]
    rule: str


def topic_terms(terms: Sequence[str]) -> tuple[str, ...]:
    """The words of an overview question that name a topic, beyond the asking."""
    return tuple(t for t in terms if t not in OVERVIEW_WORDS)


def wants_catalogue(question: str, terms: Sequence[str]) -> bool:
    """"Which articles do you have?", "What are these articles about?": the list, not one article."""
    return bool(_PLURAL.search(question)) and not topic_terms(terms)


def is_dateline(paragraph: str) -> bool:
    """A paragraph that is only a date ("Thursday, February 23, 2023"), as news reports open."""
    return len(paragraph.split()) <= 6 and bool(dates_in(paragraph))


def _source(art: ArticleText, p: int) -> Source:
    return Source(art.id, art.title, p, art.paragraphs[p - 1], 1.0, art.date, art.language, art.tag, art.url)


def summarise(art: ArticleText, sentences: dict[tuple[str, int], Sentences], language: str) -> Overview:
    """The article's title and date, its lead, its two most central sentences, and the names it is about."""
    order = [(p, i) for p in range(1, len(art.paragraphs) + 1)
             for i in range(len(sentences.get((art.id, p), Sentences((), np.zeros((0, 1)))).texts))]
    lead_p = next((p for p in range(1, len(art.paragraphs) + 1) if not is_dateline(art.paragraphs[p - 1])), 1)
    lead_sents = sentences.get((art.id, lead_p))
    lead_i = lead_sentence(lead_sents.texts) if lead_sents else 0
    lead = lead_sents.texts[lead_i] if lead_sents and lead_sents.texts else art.paragraphs[lead_p - 1]
    vecs = [sentences[(art.id, p)].vectors[i] for p, i in order]
    central: list[tuple[int, int]] = []
    if vecs:
        matrix = np.stack(vecs)
        centre = matrix.mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        ranked = [order[j] for j in np.argsort(-(matrix @ centre))]
        for p, i in ranked:
            if (p, i) != (lead_p, lead_i) and all(p != q for q, _ in central) and \
                    len(sentences[(art.id, p)].texts[i].split()) >= 6:
                central.append((p, i))
            if len(central) == 2:
                break
    central.sort()
    date = f" ({art.date})" if art.date else ""
    lines = [say("overview", language, title=art.title, date=date, cite=cite(_source(art, lead_p)),
                 quote=trim(lead, 300))]
    for n, (p, i) in enumerate(central):  # "Its central points" once, then "It also says"
        lines.append(say("overview_more" if n == 0 else "also", language, cite=cite(_source(art, p)),
                         quote=trim(sentences[(art.id, p)].texts[i], 260)))
    names = key_names(art, language)
    if names:
        lines.append(say("overview_names", language, names=join(names, language)))
    used = [lead_p, *(p for p, _ in central)]
    return Overview("\n".join(lines), tuple(_source(art, p) for p in dict.fromkeys(used)), "overview: lead and centre")


def lead_sentence(texts: Sequence[str]) -> int:
    """The lead's first statement: a feature often opens with a question ("Was het de Siberische zalm?") or a
    fragment, which says nothing of what the article is about."""
    return next((i for i, t in enumerate(texts) if not t.rstrip().rstrip("”\"'’»").endswith("?")
                 and len(t.split()) >= 6), 0)


def key_names(art: ArticleText, language: str, limit: int = 5) -> list[str]:
    """The people, places and bodies an article names most often (each counted once per paragraph)."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for para in art.paragraphs:
        seen = set()
        for n in names_in(para):
            if n.kind == "adjective" or len(n.text) < 3:
                continue
            key = n.words[-1]
            if key not in seen:
                seen.add(key)
                counts[key] += 1
                if key not in first or len(n.text) > len(first[key]):
                    first[key] = place_name(n.text, language) if n.kind == "place" else n.text
    shown = [first[k] for k, c in counts.most_common() if c >= 2]
    return list(dict.fromkeys(_fullest(name, shown) for name in shown))[:limit]


def _fullest(name: str, names: Sequence[str]) -> str:
    """"Kim" says nothing next to "Kim Clijsters": a name whose words all stand in a longer listed one is that one."""
    words = {fold(w) for w in name.split()}
    return max((n for n in names if words < {fold(w) for w in n.split()}), key=len, default=name)


def catalogue(arts: Sequence[ArticleText], language: str) -> Overview:
    """One line per article: what the knowledge base holds."""
    lines = [say("catalogue", language, count=len(arts)) if len(arts) != 1 else say("catalogue_one", language)]
    for art in arts:
        lines.append(say("catalogue_line", language, title=art.title, tag=art.tag,
                         date=f" ({art.date})" if art.date else ""))
    if len(arts) > 1:
        example = " ".join(t.text for t in tokens(arts[0].title)[:3])
        lines.append(say("catalogue_hint", language, example=example))
    return Overview("\n".join(lines), (), "overview: catalogue")


def topics(all_titles: Sequence[str], language: str, limit: int = 6) -> str:
    """The titles of what the knowledge base holds, for an off-topic refusal: set off as the articles' own words
    (a title in another language is a name, not the reply's language), and the rest counted in the asker's."""
    titles = [say("title", language, title=t) for t in all_titles[:limit]]
    more = len(all_titles) - limit
    if more > 0:
        titles.append(say("and_more", language, count=more))
    return "; ".join(titles)
