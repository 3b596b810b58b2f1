"""Questions to suggest, built from the knowledge base's articles: Discord's `/ask` autocomplete and the prompts in
Slack's assistant view. Pure: the articles in (already the channel's scope), strings out, inside the limits given."""
from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.common.models import Article
from bot.common.text import clip_words, one_line
from bot.language.phrases import phrase

MAX_CHARS = 100  # Discord's cap on a choice's name and value


def about(article: Article, language: str, limit: int = MAX_CHARS) -> str:
    """"What does the article “…” say?" for one article, its title clipped so the whole fits `limit`."""
    empty = phrase("suggest_about", language, title="")
    title = clip_words(one_line(article.title), max(10, limit - len(empty)))
    return phrase("suggest_about", language, title=title)[:limit]


def suggested_questions(articles: Sequence[Article], language: str, typed: str = "", *, limit: int = 25,
                        max_chars: int = MAX_CHARS) -> list[str]:
    """Up to `limit` questions: with nothing typed, one per article, newest first; with text typed, that text
    first (so it can be sent as it is) and the articles whose titles match it best (rapidfuzz's partial ratio)."""
    newest = sorted(articles, key=lambda a: (a.date or "", a.title), reverse=True)
    typed = one_line(typed)
    if typed:
        newest = sorted(newest, key=lambda a: -fuzz.partial_ratio(typed.casefold(), a.title.casefold()))
    out = [clip_words(typed, max_chars)] if typed else []
    out += [about(a, language, max_chars) for a in newest]
    return list(dict.fromkeys(q for q in out if q))[:limit]
