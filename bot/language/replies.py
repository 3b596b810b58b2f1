"""The offline engine's replies in the asker's language: the item first, then the quote that supports it."""
from __future__ import annotations

from bot.common.models import Source

_TEXT: dict[str, dict[str, str]] = {
    "item": {"en": "{item}, according to {the_article} {cite}: „{quote}”",
             "nl": "{item}, volgens {the_article} {cite}: „{quote}”"},
    "according": {"en": "According to {the_article} {cite}: „{quote}”",
                  "nl": "Volgens {the_article} {cite}: „{quote}”"},
    "also": {"en": "It also says {cite}: „{quote}”", "nl": "Verder staat er {cite}: „{quote}”"},
    "said": {"en": "{who} said, according to {the_article} {cite}: „{quote}”",
             "nl": "{who} zei, volgens {the_article} {cite}: „{quote}”"},
    "not_found": {"en": "I can't find that in {the_article}: it is not covered there.",
                  "nl": "Dat staat niet in {the_article}, dus dat kan ik niet beantwoorden."},
    "not_said": {"en": "I can't find that in {the_article}: it does not say what {who} said about this.",
                 "nl": "Dat staat niet in {the_article}: er staat niet in wat {who} hierover zei."},
    "closest": {"en": "Closest I found {cite}: „{quote}”", "nl": "Het dichtstbij kwam {cite}: „{quote}”"},
    "off_topic": {"en": "That is not covered by the articles I have. They are about: {topics}.",
                  "nl": "Dat staat niet in de artikelen die ik heb. Die gaan over: {topics}."},
    "title": {"en": "“{title}”", "nl": "„{title}”"},  # an article's title in a sentence of ours
    "and_more": {"en": "and {count} more", "nl": "en nog {count}"},
    "empty": {"en": "The knowledge base is empty, so I can't answer yet: add articles with `briefbot ingest`.",
              "nl": "De kennisbank is leeg, dus ik kan nog niets beantwoorden: voeg artikelen toe met "
                    "`briefbot ingest`."},
    "overview": {"en": "{title}{date} is about this {cite}: „{quote}”",
                 "nl": "{title}{date} gaat hierover {cite}: „{quote}”"},
    "overview_more": {"en": "Its central points {cite}: „{quote}”", "nl": "De kern {cite}: „{quote}”"},
    "overview_names": {"en": "Who and what it is about: {names}.", "nl": "Over wie en wat het gaat: {names}."},
    "catalogue": {"en": "I have {count} articles:", "nl": "Ik heb {count} artikelen:"},
    "catalogue_one": {"en": "I have one article:", "nl": "Ik heb één artikel:"},
    "catalogue_line": {"en": "• {title}{date} [{tag}]", "nl": "• {title}{date} [{tag}]"},
    "catalogue_hint": {"en": "Ask about one of them, e.g. “What is the article about {example} about?”",
                       "nl": "Vraag naar een ervan, bijvoorbeeld „Waar gaat het artikel over {example} over?”"},
    "per_article": {"en": "{title} {cite}: „{quote}”", "nl": "{title} {cite}: „{quote}”"},
}


def say(key: str, language: str, **values: object) -> str:
    """A reply template filled in, in the asker's language (English for anything else)."""
    table = _TEXT[key]
    return (table.get(language) or table["en"]).format(**values)


def the_article(language: str, several: bool) -> str:
    if language == "nl":
        return "de artikelen" if several else "het artikel"
    return "the articles" if several else "the article"


def quoted(reply: str) -> str:
    """The passage a reply of ours quotes (between „ and ”), or "" when it quotes none."""
    start = reply.find("„")
    end = reply.find("”", start + 1)
    return reply[start + 1 : end] if start >= 0 and end > start else ""


def cite(source: Source) -> str:
    """The citation in the reply's text: the same label every platform lists under the answer."""
    return f"[{source.label}]"


def trim(text: str, limit: int, around: tuple[int, int] | None = None) -> str:
    """A quote cut at word boundaries to about `limit` characters, keeping `around` (an item's span) inside."""
    if len(text) <= limit:
        return text
    lo, hi = around if around else (0, 0)
    start = max(0, min(lo - limit // 3, len(text) - limit))
    end = min(len(text), max(start + limit, hi + 20))
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    return ("…" if start > 0 else "") + text[start:end].strip() + ("…" if end < len(text) else "")
